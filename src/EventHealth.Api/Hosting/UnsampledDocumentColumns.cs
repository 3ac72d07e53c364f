namespace EventHealth.Hosting;

/// <summary>
/// ANALYZE keeps no statistics on the columns of <paramref name="table"/> that hold whole JSON documents. No query here
/// filters on a whole document: they filter on fields that indexes extract, whose statistics ANALYZE gathers from the
/// indexes' expressions whatever this setting (a containment test on a whole document would get the planner's default
/// estimate). Reading and sorting the sampled documents was a fifth to two fifths of each ANALYZE of the event log, the
/// entry documents and the access records, which autovacuum analyzes every few seconds while they grow
/// (docs/operations.md, docs/benchmarks.md). Set on the table and on each partition: a partition gets the default when
/// it is made, until the schema is applied again, as <c>resources setup</c> does after it provisions buckets.
/// </summary>
public sealed class UnsampledDocumentColumns(string table, params string[] columns) : ScriptedSchemaObject($"{table}_unsampled_columns", table)
{
    private readonly string _table = $"{Database.EventStoreSchema}.{table}";
    private readonly string _relations = RelationsOf($"{Database.EventStoreSchema}.{table}", "'r', 'p'");

    protected override string CreateSql => AlterEach(_relations, string.Join(", ", columns.Select(column => $"ALTER COLUMN {column} SET STATISTICS 0")));

    protected override string DropSql => AlterEach(_relations, string.Join(", ", columns.Select(column => $"ALTER COLUMN {column} SET STATISTICS -1")));

    /// <summary>The columns still sampled, or -1 while the table does not exist (so that it is set once the table is made).</summary>
    protected override string InstalledQuery => $"""
        select case when to_regclass('{_table}') is null then -1 else (
          select count(*) from pg_attribute a join ({_relations}) r on a.attrelid = r.oid
          where a.attname in ({string.Join(", ", columns.Select(column => $"'{column}'"))}) and coalesce(a.attstattarget, -1) <> 0) end;
        """;

    protected override long InstalledCount => 0;
}
