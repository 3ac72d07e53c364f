using EventHealth.Alerts;
using EventHealth.Daily;
using EventHealth.Detection;
using EventHealth.Email;
using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Recording;
using Hangfire;
using Marten;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Digest;

/// <summary>One patient's weekly digest, as a durable message so an SMTP outage delays it instead of losing it.</summary>
public sealed record SendWeeklyDigest(Guid PatientId);

/// <summary>Marks a digest as sent, so a re-run of the job in the same week sends nothing twice.</summary>
public sealed record DigestDelivery
{
    public required string Id { get; init; }
    public DateTimeOffset SentAt { get; init; }
}

public sealed record DigestRunReport(int Queued);

public sealed record DigestSettings : IRecurringJobSettings
{
    public const string Section = "Digest";

    /// <summary>Monday 08:00 by default.</summary>
    public string Cron { get; init; } = "0 8 * * 1";

    public string TimeZone { get; init; } = "UTC";
}

/// <summary>The weekly digest run: queues one message per patient who opted in to emails.</summary>
public sealed class WeeklyDigestJob(Sharding.TenantSessions sessions, IMessageBus bus, IBackgroundJobClient jobs)
{
    public const string RecurringJobId = "weekly-digest";

    /// <summary>The scheduled run: one Hangfire job per bucket.</summary>
    public Task DispatchAsync()
    {
        foreach (var bucket in sessions.Buckets.AllBuckets)
        {
            jobs.Enqueue<WeeklyDigestJob>(job => job.RunBucketAsync(bucket, CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    [DisableConcurrentExecution("weekly-digest:{0}", 600)]
    public Task<DigestRunReport> RunBucketAsync(string bucket, CancellationToken cancellation) => QueueAsync(bucket, cancellation);

    /// <summary>Every bucket now (<c>POST /api/admin/digest/run</c>).</summary>
    public async Task<DigestRunReport> RunAsync(CancellationToken cancellation)
    {
        var queued = 0;
        foreach (var bucket in sessions.Buckets.AllBuckets)
        {
            queued += (await QueueAsync(bucket, cancellation)).Queued;
        }

        return new DigestRunReport(queued);
    }

    private async Task<DigestRunReport> QueueAsync(string bucket, CancellationToken cancellation)
    {
        await using var session = sessions.QueryForTenant(bucket);
        // Erased records are skipped here (in memory: documents written before erasure existed have no such field).
        var candidates = await session.Query<PatientRecord>().Where(p => p.AlertEmails).Select(p => new { p.Id, p.Erased }).ToListAsync(cancellation);
        var patients = candidates.Where(p => !p.Erased).Select(p => p.Id).ToList();
        foreach (var patientId in patients)
        {
            // The bucket's tenant travels with the message: its handler's session is the bucket's.
            await bus.PublishAsync(new SendWeeklyDigest(patientId), new DeliveryOptions { TenantId = bucket });
        }

        return new DigestRunReport(patients.Count);
    }
}

public static class SendWeeklyDigestHandler
{
    public static async Task Handle(SendWeeklyDigest message, IDocumentSession session, SmtpMailer mailer, TimeProvider clock, CancellationToken cancellation)
    {
        var patient = await session.LoadAsync<PatientRecord>(message.PatientId, cancellation);
        if (patient is not { AlertEmails: true, Erased: false })
        {
            return;
        }

        var today = PatientCalendar.Today(patient.TimeZone, clock);
        var deliveryId = $"{message.PatientId:N}/{today:yyyy-MM-dd}";
        if (await session.LoadAsync<DigestDelivery>(deliveryId, cancellation) is not null)
        {
            return;
        }

        // Only the fortnight the digest compares (the days before today), not the record's years.
        var days = await DailySummaryReads.RangeAsync(session, message.PatientId, today.AddDays(-WeeklyDigest.DaysCompared), today.AddDays(-1), cancellation);
        var events = await session.Events.FetchStreamAsync(message.PatientId, token: cancellation);
        var digest = WeeklyDigest.Build(message.PatientId, today, days.Days, AlertViews.From(await session.LoadAsync<RecordAlerts>(message.PatientId, cancellation), patient.AlertRecipients()),
            RecordFacts.From(message.PatientId, events).ObservationStart) with
        {
            ExperimentLine = Experiments.ExperimentViews.DigestLine(Experiments.ExperimentHistory.From(events), today),
        };

        await mailer.SendAsync(digest.Compose(patient), cancellation);
        session.Store(new DigestDelivery { Id = deliveryId, SentAt = clock.GetUtcNow() });
    }
}

public static class RunWeeklyDigestEndpoint
{
    /// <summary>Runs the weekly digest now (the same job the schedule runs) and reports how many digests were queued.</summary>
    [WolverinePost("/api/admin/digest/run", OperationId = "runWeeklyDigest")]
    [Tags("Operations"), ReadResponses(typeof(DigestRunReport))]
    public static async Task<IResult> Post(WeeklyDigestJob job, HttpContext http) => Results.Ok(await job.RunAsync(http.RequestAborted));
}

public static class DigestConfiguration
{
    public static IHostApplicationBuilder AddWeeklyDigest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<WeeklyDigestJob>();
        builder.Services.Configure<DigestSettings>(builder.Configuration.GetSection(DigestSettings.Section));
        builder.Services.AddRecurringJob<WeeklyDigestJob, DigestSettings>(WeeklyDigestJob.RecurringJobId, job => job.DispatchAsync());
        builder.Services.ConfigureMarten(options => options.Schema.For<DigestDelivery>());
        return builder;
    }
}
