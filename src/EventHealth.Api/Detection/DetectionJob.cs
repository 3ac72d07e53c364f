using System.Diagnostics;
using EventHealth.Hosting;
using Hangfire;
using JasperFx;
using Marten;
using Npgsql;
using Wolverine;

namespace EventHealth.Detection;

/// <param name="Evaluated">Records whose stream moved or whose review time had come.</param>
/// <param name="Skipped">Records that changed while being evaluated; the next run takes them again.</param>
public sealed record DetectionRunReport(string RunId, DateTimeOffset EvaluatedAt, int Evaluated, int AlertsRaised, int Skipped, double Seconds);

/// <summary>
/// The scheduled detection run (Hangfire, cron from configuration) and <c>POST /api/admin/detection/run</c>.
/// It reads only the records that changed since their checkpoint or whose review time came, in batches; the rules
/// run in memory; only records with new alerts are written, each in its own transaction with its emails.
/// </summary>
public sealed class DetectionJob(IDocumentStore store, NpgsqlDataSource dataSource, IMessageBus bus, TimeProvider clock, ILogger<DetectionJob> logger)
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
        var due = await DuePatientsAsync(now, cancellation);
        int alerts = 0, skipped = 0;

        foreach (var batch in due.Chunk(BatchSize))
        {
            var checkpoints = new List<DetectionCheckpoint>(batch.Length);
            await using (var query = store.QuerySession())
            {
                var events = await query.Events.QueryAllRawEvents()
                    .Where(e => batch.Contains(e.StreamId))
                    .OrderBy(e => e.Sequence)
                    .ToListAsync(cancellation);

                foreach (var stream in events.GroupBy(e => e.StreamId))
                {
                    var facts = RecordFacts.From(stream.Key, stream);
                    var evaluation = DetectionDecisions.Evaluate(facts, now);
                    var version = facts.Version;
                    if (evaluation.Alerts.Count > 0)
                    {
                        try
                        {
                            var appended = await bus.InvokeAsync<AlertsAppended>(new RaiseAlerts(stream.Key, facts.Version, evaluation.Alerts, runId), cancellation);
                            alerts += evaluation.Alerts.Count;
                            version = appended.Version;
                        }
                        catch (ConcurrencyException)
                        {
                            // The record moved (a new entry, or another run got here first): leave it due for the next run.
                            skipped++;
                            continue;
                        }
                    }

                    checkpoints.Add(new DetectionCheckpoint { Id = stream.Key, EvaluatedThroughVersion = version, EvaluatedAt = now, NextReviewAt = evaluation.NextReviewAt });
                }
            }

            await using var session = store.LightweightSession();
            session.Store(checkpoints.ToArray());
            await session.SaveChangesAsync(cancellation);
        }

        var report = new DetectionRunReport(runId, now, due.Count - skipped, alerts, skipped, Math.Round(stopwatch.Elapsed.TotalSeconds, 3));
        logger.LogInformation("Detection run {RunId}: {Evaluated} records evaluated, {Alerts} alerts raised, {Skipped} skipped in {Seconds} s",
            report.RunId, report.Evaluated, report.AlertsRaised, report.Skipped, report.Seconds);
        return report;
    }

    /// <summary>Records whose stream version passed their checkpoint, that were never evaluated, or whose review time has come.</summary>
    private async Task<List<Guid>> DuePatientsAsync(DateTimeOffset now, CancellationToken cancellation)
    {
        var schema = Database.EventStoreSchema;
        await using var command = dataSource.CreateCommand($"""
            select s.id
            from {schema}.mt_streams s
            join {schema}.mt_doc_patientrecord r on r.id = s.id
            left join {schema}.mt_doc_detectioncheckpoint c on c.id = s.id
            where c.id is null
               or s.version > (c.data ->> 'evaluatedThroughVersion')::bigint
               or (c.data ->> 'nextReviewAt')::timestamptz <= $1
            order by s.id
            """);
        command.Parameters.AddWithValue(now);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
