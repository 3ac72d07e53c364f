using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace EventHealth.Sharding;

/// <summary>
/// Readiness of the shard databases. A shard that does not answer makes the node <em>degraded</em>, not unready: the
/// node still serves every other bucket, and taking it out of the load balancer would not bring the shard back. The
/// answer names the shards that did not answer (an operator's first question at 3 a.m.).
/// </summary>
public sealed class ShardsHealthCheck(ShardingSettings settings, IConfiguration configuration) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var shards = settings.ShardDatabases(configuration);
        var down = new List<string>();
        await Task.WhenAll(shards.Select(async shard =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(Timeout);
                await using var connection = new NpgsqlConnection(shard.ConnectionString);
                await connection.OpenAsync(timeout.Token);
                await using var command = new NpgsqlCommand("select 1", connection);
                await command.ExecuteScalarAsync(timeout.Token);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                lock (down)
                {
                    down.Add(shard.Id);
                }
            }
        }));

        return down.Count == 0
            ? HealthCheckResult.Healthy($"{shards.Count} shard(s) answer")
            : HealthCheckResult.Degraded($"shard(s) not answering: {string.Join(", ", down.Order(StringComparer.Ordinal))}; their buckets' patients get 503");
    }
}
