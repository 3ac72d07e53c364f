using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Recording;
using Hangfire;
using Marten;

namespace EventHealth.Experiments;

public sealed record ExperimentsSettings
{
    public const string Section = "Experiments";

    /// <summary>Hourly: "the day after the last day" begins at a different hour in every time zone.</summary>
    public string Cron { get; init; } = "20 * * * *";
}

public sealed record ExperimentConclusionRunReport(int Due, int Concluded);

/// <summary>
/// Concludes experiments whose last day is over, so the analysis is appended when the last period ends without anyone
/// asking (Hangfire, <c>Experiments:Cron</c>). Each conclusion goes through the route's own decision; a stopped
/// experiment is concluded on request only.
/// </summary>
public sealed class ConcludeFinishedExperiments(RecordWriter writer, EventStoreQueries queries, Sharding.PatientBuckets buckets, TimeProvider clock)
{
    public const string RecurringJobId = "conclude-experiments";
    public const string Actor = "system:experiments";

    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    public async Task<ExperimentConclusionRunReport> RunAsync(CancellationToken cancellation)
    {
        var now = clock.GetUtcNow();
        var due = new List<(Guid PatientId, Guid ExperimentId)>();
        foreach (var bucket in buckets.AllBuckets)
        {
            due.AddRange(await queries.ExperimentsDueForConclusionAsync(bucket, DateOnly.FromDateTime(now.UtcDateTime), cancellation));
        }

        var concluded = 0;
        foreach (var (patientId, experimentId) in due)
        {
            // The decision checks the patient's own calendar: a day that is over in UTC may not be over where they live.
            var context = new WriteContext(Actor, RecurringJobId, $"{RecurringJobId}-{now:yyyyMMddTHHmmssZ}", now, null);
            if ((await RecordWrites.SendAsync(writer, patientId, context, new ConcludeExperimentChange(experimentId))).Stored)
            {
                concluded++;
            }
        }

        return new ExperimentConclusionRunReport(due.Count, concluded);
    }
}

/// <summary>Registers (or updates) the recurring conclusion job when the host starts.</summary>
public sealed class ExperimentsSchedule(IRecurringJobManager jobs, Microsoft.Extensions.Options.IOptions<ExperimentsSettings> settings) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.AddOrUpdate<ConcludeFinishedExperiments>(ConcludeFinishedExperiments.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
