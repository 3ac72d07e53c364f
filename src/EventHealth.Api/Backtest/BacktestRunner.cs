using System.Collections.Concurrent;
using EventHealth.Detection;
using EventHealth.Recording;
using Marten;

namespace EventHealth.Backtest;

/// <summary>
/// Runs a backtest over the stored records: reads them in batches (one query per batch, the next batch read while the
/// current one is replayed) and replays each record on both cores. Reads only; never writes alerts or sends email.
/// </summary>
public sealed class BacktestRunner(IDocumentStore store)
{
    public const int BatchSize = 500;

    public async Task<BacktestReport> RunAsync(DateOnly from, DateOnly to, IReadOnlyList<IDetectionRule> rules, IReadOnlyCollection<Guid>? patientIds, CancellationToken cancellation)
    {
        var records = await RecordIdsAsync(patientIds, cancellation);
        var parts = new ConcurrentBag<RecordBacktest>();
        var batches = records.Chunk(BatchSize).ToList();
        var reading = batches.Count > 0 ? RecordEvents.LoadAsync(store, batches[0], cancellation) : null;
        for (var i = 0; i < batches.Count; i++)
        {
            var loaded = await reading!;
            reading = i + 1 < batches.Count ? RecordEvents.LoadAsync(store, batches[i + 1], cancellation) : null;
            Parallel.ForEach(loaded, new ParallelOptions { CancellationToken = cancellation },
                record => parts.Add(Backtester.Run(record.PatientId, record.Events, from, to, rules)));
        }

        return Backtester.Report(from, to, rules, parts);
    }

    private async Task<List<Guid>> RecordIdsAsync(IReadOnlyCollection<Guid>? patientIds, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var ids = patientIds is { Count: > 0 }
            ? await session.Query<PatientRecord>().Where(p => patientIds.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellation)
            : await session.Query<PatientRecord>().Select(p => p.Id).ToListAsync(cancellation);
        return ids.Order().ToList();
    }
}
