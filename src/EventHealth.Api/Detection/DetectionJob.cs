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
public sealed class DetectionJob(IDocumentStore store, EventStoreQueries queries, IMessageBus bus, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<Alerts.AlertEmailSettings> emailSettings, ILogger<DetectionJob> logger)
{
    public const string RecurringJobId = "detection";
    public const int BatchSize = 500;

    // One run at a time across every Hangfire server of the cluster; a second trigger waits, then finds nothing due.
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 0)]
    public async Task<DetectionRunReport> RunAsync(CancellationToken cancellation)
    {
        var stopwatch = Stopwatch.StartNew();
        var now = clock.GetUtcNow();
        var runId = $"detection-{now:yyyyMMddTHHmmssZ}-{Guid.NewGuid():N}"[..48];
        var due = await queries.DueForDetectionAsync(now, cancellation);
        int alerts = 0, skipped = 0;

        var undecided = new List<Guid>();
        foreach (var batch in due.Chunk(BatchSize))
        {
            var checkpoints = new List<DetectionCheckpoint>(batch.Length);
            foreach (var (patientId, events) in await RecordEvents.LoadAsync(store, batch, cancellation))
            {
                var facts = RecordFacts.From(patientId, events);
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

            await StoreAsync(checkpoints, cancellation);
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

        await StoreAsync(lastTurn, cancellation);

        var report = new DetectionRunReport(runId, now, due.Count - skipped, alerts, skipped, Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
        EventHealthTelemetry.DetectionRunCompleted(report.Evaluated, report.Skipped, report.AlertsRaised, report.Seconds);
        logger.LogInformation("Detection run {RunId}: {Evaluated} records evaluated, {Alerts} alerts raised, {Skipped} skipped in {Seconds} s",
            report.RunId, report.Evaluated, report.AlertsRaised, report.Skipped, report.Seconds);
        return report;
    }

    private async Task<AlertsDecided?> DecideAsync(Guid patientId, DateTimeOffset now, string runId, CancellationToken cancellation)
    {
        try
        {
            var context = new Http.WriteContext(RaiseAlerts.Actor, RaiseAlerts.Client, runId, clock.GetUtcNow(), null);
            var written = await Recording.RecordWrites.SendAsync(bus, patientId, context, new RaiseAlerts(now, emailSettings.Value.DailyCapPerPatient), cancellation);
            return written.Outcome as AlertsDecided ?? new AlertsDecided(written.Version, 0, null);
        }
        catch (ConcurrencyException)
        {
            return null;
        }
    }

    private static DetectionCheckpoint Checkpoint(Guid patientId, long version, DateTimeOffset now, DateTimeOffset? nextReviewAt) =>
        new() { Id = patientId, EvaluatedThroughVersion = version, EvaluatedAt = now, NextReviewAt = nextReviewAt };

    private async Task StoreAsync(List<DetectionCheckpoint> checkpoints, CancellationToken cancellation)
    {
        if (checkpoints.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        session.Store(checkpoints.ToArray());
        await session.SaveChangesAsync(cancellation);
    }
}
