using System.Diagnostics;
using EventHealth.Hosting;
using Hangfire;
using JasperFx;
using Marten;
using Wolverine;

namespace EventHealth.Detection;

/// <param name="Evaluated">Records whose stream moved or whose review time had come.</param>
/// <param name="Skipped">Records that kept changing through every attempt to decide them in this run; the next run takes them again.</param>
public sealed record DetectionRunReport(string RunId, DateTimeOffset EvaluatedAt, int Evaluated, int AlertsRaised, int Skipped, double Seconds);

/// <summary>
/// The scheduled detection run (Hangfire, cron from configuration) and <c>POST /api/admin/detection/run</c>.
/// It reads only the records that changed since their checkpoint or whose review time came, in batches; the rules
/// run in memory; only records with new alerts are written, each in its own transaction with its emails.
/// </summary>
public sealed class DetectionJob(Sharding.TenantSessions sessions, EventStoreQueries queries, Recording.RecordWriter writer, IBackgroundJobClient jobs, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<Alerts.AlertEmailSettings> emailSettings, ILogger<DetectionJob> logger)
{
    public const string RecurringJobId = "detection";
    public const int BatchSize = 500;

    /// <summary>The scheduled sweep: one Hangfire job per bucket, so every node's workers share them and a bucket whose
    /// shard is down fails (and is retried by the next sweep) alone.</summary>
    public Task DispatchAsync()
    {
        foreach (var bucket in sessions.Buckets.AllBuckets)
        {
            jobs.Enqueue<DetectionJob>(job => job.RunBucketAsync(bucket, CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    // One run per bucket at a time across every Hangfire server of the cluster; a second waits, then finds nothing due.
    [DisableConcurrentExecution("detection:{0}", 600)]
    [AutomaticRetry(Attempts = 0)]
    public Task<DetectionRunReport> RunBucketAsync(string bucket, CancellationToken cancellation) => RunAsync([bucket], cancellation);

    /// <summary>Every bucket, now, in this process (<c>POST /api/admin/detection/run</c>): one report for the whole run.</summary>
    public Task<DetectionRunReport> RunAsync(CancellationToken cancellation) => RunAsync(sessions.Buckets.AllBuckets, cancellation);

    private async Task<DetectionRunReport> RunAsync(IReadOnlyList<string> buckets, CancellationToken cancellation)
    {
        var stopwatch = Stopwatch.StartNew();
        var now = clock.GetUtcNow();
        var runId = $"detection-{now:yyyyMMddTHHmmssZ}-{Guid.NewGuid():N}"[..48];
        int evaluated = 0, alerts = 0, skipped = 0;
        foreach (var bucket in buckets)
        {
            var (bucketEvaluated, bucketAlerts, bucketSkipped) = await RunBucketAsync(bucket, now, runId, cancellation);
            evaluated += bucketEvaluated;
            alerts += bucketAlerts;
            skipped += bucketSkipped;
        }

        var report = new DetectionRunReport(runId, now, evaluated, alerts, skipped, Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
        EventHealthTelemetry.DetectionRunCompleted(report.Evaluated, report.Skipped, report.AlertsRaised, report.Seconds);
        logger.LogInformation("Detection run {RunId}: {Buckets} buckets, {Evaluated} records evaluated, {Alerts} alerts raised, {Skipped} skipped in {Seconds} s",
            report.RunId, buckets.Count, report.Evaluated, report.AlertsRaised, report.Skipped, report.Seconds);
        return report;
    }

    private async Task<(int Evaluated, int Alerts, int Skipped)> RunBucketAsync(string bucket, DateTimeOffset now, string runId, CancellationToken cancellation)
    {
        var due = await queries.DueForDetectionAsync(bucket, now, cancellation);
        int alerts = 0, skipped = 0;

        var undecided = new List<Guid>();
        foreach (var batch in due.Chunk(BatchSize))
        {
            var checkpoints = new List<DetectionCheckpoint>(batch.Length);
            foreach (var facts in await RecordEvents.FoldAsync(sessions, queries, bucket, batch, now, cancellation))
            {
                var patientId = facts.PatientId;
                var evaluation = DetectionDecisions.Evaluate(facts, now);
                if (evaluation.Alerts.Count == 0)
                {
                    checkpoints.Add(Checkpoint(patientId, facts.Version, now, evaluation.NextReviewAt));
                    continue;
                }

                // The handler decides again from a fresh read of this record, under its version check.
                if (await DecideAsync(patientId, now, runId, cancellation) is { } decided)
                {
                    alerts += decided.Raised;
                    checkpoints.Add(Checkpoint(patientId, decided.Version, now, decided.NextReviewAt));
                }
                else
                {
                    undecided.Add(patientId);
                }
            }

            await StoreAsync(bucket, checkpoints, cancellation);
        }

        // A record that kept moving through every retry above gets one more turn before the run ends.
        var lastTurn = new List<DetectionCheckpoint>();
        foreach (var patientId in undecided)
        {
            if (await DecideAsync(patientId, now, runId, cancellation) is { } decided)
            {
                alerts += decided.Raised;
                lastTurn.Add(Checkpoint(patientId, decided.Version, now, decided.NextReviewAt));
            }
            else
            {
                skipped++;
            }
        }

        await StoreAsync(bucket, lastTurn, cancellation);
        return (due.Count - skipped, alerts, skipped);
    }

    private async Task<AlertsDecided?> DecideAsync(Guid patientId, DateTimeOffset now, string runId, CancellationToken cancellation)
    {
        try
        {
            var context = new Http.WriteContext(RaiseAlerts.Actor, RaiseAlerts.Client, runId, clock.GetUtcNow(), null);
            var written = await Recording.RecordWrites.SendAsync(writer, patientId, context, new RaiseAlerts(now, emailSettings.Value.DailyCapPerPatient));
            return written.Outcome as AlertsDecided ?? new AlertsDecided(written.Version, 0, null);
        }
        catch (ConcurrencyException)
        {
            return null;
        }
    }

    private static DetectionCheckpoint Checkpoint(Guid patientId, long version, DateTimeOffset now, DateTimeOffset? nextReviewAt) =>
        new() { Id = patientId, EvaluatedThroughVersion = version, EvaluatedAt = now, NextReviewAt = nextReviewAt };

    private async Task StoreAsync(string bucket, List<DetectionCheckpoint> checkpoints, CancellationToken cancellation)
    {
        if (checkpoints.Count == 0)
        {
            return;
        }

        await using var session = sessions.WriteForTenant(bucket);
        session.Store(checkpoints.ToArray());
        await session.SaveChangesAsync(cancellation);
    }
}
