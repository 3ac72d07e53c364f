using Marten;
using Npgsql;

namespace EventHealth.Sharding;

/// <summary>
/// Keeps this host's tenant → shard map in step with the control database. Marten's sharded tenancy caches each
/// tenant's database for the life of the process and re-reads the registry only in <c>BuildDatabases</c>, which
/// reconciles the cache with it (reassigned tenants follow, disabled ones drop out); a reassignment made by another
/// process (<c>move-bucket</c>) would otherwise reach this host only at its next restart. Every
/// <see cref="ShardingSettings.AssignmentRefreshInterval"/> this reads the assignments, and when they changed, asks
/// Marten to rebuild its map.
/// </summary>
public sealed class BucketAssignmentRefresh(IDocumentStore store, DeploymentBuckets deployment, ShardingSettings settings, TimeProvider time,
    ILogger<BucketAssignmentRefresh> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Dictionary<string, string>? seen = null;
        using var timer = new PeriodicTimer(settings.AssignmentRefreshInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var current = await deployment.AssignmentsAsync(stoppingToken);
                if (seen is not null && !(seen.Count == current.Count && seen.All(a => current.TryGetValue(a.Key, out var shard) && shard == a.Value)))
                {
                    await store.Options.Tenancy.BuildDatabases();
                    logger.LogInformation("Bucket assignments changed; this host now routes by the new ones");
                }

                seen = current;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The control database is away for a moment: keep the current map and try again at the next tick.
                logger.LogWarning(e, "Could not read the bucket assignments");
            }
        }
    }
}
