namespace EventHealth.Hosting;

/// <summary>
/// ANALYZE keeps no statistics on the columns of <paramref name="table"/> that hold whole JSON documents. No query here
/// tests a whole document (a containment test would get the planner's default estimate): queries read fields out of
/// it, which the planner estimates from the indexes' expressions, whose statistics ANALYZE still gathers, or by its
/// defaults, with or without the column's statistics. What it loses is the column's measured width: the event log's
/// page read, detection's read and a stream's events kept their plans and times on a benchmark store. Sampling the
/// documents was a fifth to two fifths of each ANALYZE of the event log, the entry documents and the access records,
/// which autovacuum analyzes every few seconds while they grow (docs/operations.md, docs/benchmarks.md). Set on the
/// table and on each partition: a partition gets the default when it is made, until the schema is applied again, as
/// <c>resources setup</c> and a bucket's move do.
/// </summary>
public sealed class UnsampledDocumentColumns(string table, params string[] columns) : ScriptedSchemaObject($"{table}_unsampled_columns", table)
{
    private readonly string _table = $"{Database.EventStoreSchema}.{table}";
    private readonly string _columns = string.Join(", ", columns.Select(column => $"'{column}'"));

    private string Relations => RelationsOf(_table, "'r', 'p'");

    protected override string CreateSql => SetStatistics(0);

    /// <summary>Back to PostgreSQL's default target.</summary>
    protected override string DropSql => SetStatistics(-1);

    private string SetStatistics(int target) => AlterEach(Relations, string.Join(", ", columns.Select(column => $"ALTER COLUMN {column} SET STATISTICS {target}")));

    /// <summary>The columns still sampled, on the table and its partitions.</summary>
    protected override string InstalledQuery => CountUnlessMissing(_table, $"""
        select count(*) from pg_attribute a join ({Relations}) r on a.attrelid = r.oid
        where a.attname in ({_columns}) and coalesce(a.attstattarget, -1) <> 0
        """);

    protected override long InstalledCount => 0;
}
