namespace EventHealth.Sharding;

/// <summary>
/// <c>Sharding:Buckets</c> (B, 16 unless configured; permanent for a deployment) and <c>Sharding:Shards:&lt;id&gt;</c>, one
/// connection string per shard database. No shard configured: a pool of one, the control database itself
/// (<see cref="DefaultShardId"/>), so the single-database deployment runs the same code as the sharded one.
/// </summary>
public sealed record ShardingSettings
{
    public const string Section = "Sharding";
    public const string DefaultShardId = "shard01";
    public const int DefaultBuckets = 16;

    public int Buckets { get; init; } = DefaultBuckets;

    public Dictionary<string, string> Shards { get; init; } = [];

    /// <summary>
    /// How often every host re-reads the bucket assignments (<see cref="BucketAssignmentRefresh"/>): the longest a node
    /// keeps sending a moved bucket to its old shard. <c>move-bucket</c> waits twice this before dropping the old rows.
    /// </summary>
    public TimeSpan AssignmentRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    public static ShardingSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ShardingSettings>() ?? new ShardingSettings();

    /// <summary>The shard databases by id, in id order: the configured ones, or the control database alone. A shard
    /// configured blank is not configured (a layer of configuration can take back one that another set).</summary>
    public IReadOnlyList<(string Id, string ConnectionString)> ShardDatabases(IConfiguration configuration)
    {
        var configured = Shards.Where(s => !string.IsNullOrWhiteSpace(s.Value)).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        return configured.Count == 0
            ? [(DefaultShardId, Hosting.Database.ConnectionString(configuration))]
            : [.. configured.Select(s => (s.Key, Hosting.Database.WithPoolDefaults(s.Value)))];
    }

    /// <summary>The shard a bucket is assigned to when it is first provisioned: bucket i on shard i mod N (in id order).</summary>
    public static string InitialShardOf(int bucket, IReadOnlyList<string> shardIds) => shardIds[bucket % shardIds.Count];
}
