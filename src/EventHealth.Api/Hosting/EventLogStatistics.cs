using Weasel.Core;

namespace EventHealth.Hosting;

/// <summary>
/// Keeps the planner's statistics of the event log fresh while it grows fast (an import, a busy hour). The projection
/// daemon pages through the log with a range on <c>seq_id</c>, a join to the streams and a limit; with statistics from
/// when the table was a fifth of its size the planner chose a bitmap scan of the whole range, a hash join and a sort
/// (207 ms per page of 500) instead of walking the index and stopping after 500 rows (1.7 ms), docs/benchmarks.md.
/// PostgreSQL's default re-analyzes a table after 10% of it changed; the event log is analyzed after 1% (and at least
/// 1,000 rows). The log is one table per shard today; should it ever be partitioned (per-bucket event partitions,
/// docs/scaling.md), PostgreSQL keeps these settings per partition (a partitioned table takes none): each partition gets
/// them, and a database counts as installed when none lacks them. Installed with the schema (<c>resources setup</c>,
/// which provisions the buckets and then installs this again).
/// </summary>
public sealed class EventLogStatistics() : ScriptedSchemaObject("mt_events_statistics", TableName)
{
    internal const string TableName = "mt_events";
    private const string Table = Database.EventStoreSchema + "." + TableName;
    private const string Options = "autovacuum_analyze_scale_factor=0.01";

    /// <summary>The event log's tables holding rows: its partitions, or the table itself when it is not partitioned.</summary>
    private static readonly string Leaves = RelationsOf(Table, "'r'");

    protected override string CreateSql => AlterEach(Leaves, $"SET ({Options}, autovacuum_analyze_threshold=1000)");

    protected override string DropSql => AlterEach(Leaves, "RESET (autovacuum_analyze_scale_factor, autovacuum_analyze_threshold)");

    protected override string InstalledQuery =>
        CountUnlessMissing(Table, $$"""select count(*) from ({{Leaves}}) leaf where not '{{Options}}' = any(coalesce(leaf.reloptions, '{}'))""");

    protected override long InstalledCount => 0;
}

/// <summary>The statistics setting as a schema feature, applied after the event tables exist.</summary>
public sealed class EventLogStatisticsFeature(Migrator migrator) : Weasel.Core.Migrations.FeatureSchemaBase("event_log_statistics", migrator)
{
    public override Type StorageType => typeof(EventLogStatisticsFeature);

    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new EventLogStatistics();
        yield return new UnsampledDocumentColumns(EventLogStatistics.TableName, "data", "headers");
    }
}
