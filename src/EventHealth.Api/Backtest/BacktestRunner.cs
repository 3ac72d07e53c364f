using System.Collections.Concurrent;
using EventHealth.Detection;
using EventHealth.Recording;
using Marten;

namespace EventHealth.Backtest;

/// <summary>
/// Runs a backtest over the stored records: reads them in batches (one query per batch, the next batch read while the
/// current one is replayed) and replays each record on both cores. Reads only; never writes alerts or sends email.
/// </summary>
public sealed class BacktestRunner(Sharding.TenantSessions sessions)
{
    public const int BatchSize = 500;

    /// <summary>Bucket by bucket (each on its shard), in batches of one bucket's records.</summary>
    public async Task<BacktestReport> RunAsync(DateOnly from, DateOnly to, IReadOnlyList<IDetectionRule> rules, IReadOnlyCollection<Guid>? patientIds, CancellationToken cancellation)
    {
        var batches = new List<(string Bucket, Guid[] Records)>();
        foreach (var bucket in sessions.Buckets.AllBuckets)
        {
            var records = await RecordIdsAsync(bucket, patientIds?.Where(id => sessions.Buckets.TenantOf(id) == bucket).ToList(), cancellation);
            batches.AddRange(records.Chunk(BatchSize).Select(batch => (bucket, batch)));
        }

        var parts = new ConcurrentBag<RecordBacktest>();
        var reading = batches.Count > 0 ? RecordEvents.LoadAsync(sessions, batches[0].Bucket, batches[0].Records, cancellation) : null;
        for (var i = 0; i < batches.Count; i++)
        {
            var loaded = await reading!;
            reading = i + 1 < batches.Count ? RecordEvents.LoadAsync(sessions, batches[i + 1].Bucket, batches[i + 1].Records, cancellation) : null;
            Parallel.ForEach(loaded, new ParallelOptions { CancellationToken = cancellation },
                record => parts.Add(Backtester.Run(record.PatientId, record.Events, from, to, rules)));
        }

        return Backtester.Report(from, to, rules, parts);
    }

    private async Task<List<Guid>> RecordIdsAsync(string bucket, IReadOnlyCollection<Guid>? patientIds, CancellationToken cancellation)
    {
        if (patientIds is { Count: 0 })
        {
            return [];
        }

        await using var session = sessions.QueryForTenant(bucket);
        var ids = patientIds is { Count: > 0 }
            ? await session.Query<PatientRecord>().Where(p => patientIds.Contains(p.Id)).Select(p => p.Id).ToListAsync(cancellation)
            : await session.Query<PatientRecord>().Select(p => p.Id).ToListAsync(cancellation);
        return ids.Order().ToList();
    }
}
