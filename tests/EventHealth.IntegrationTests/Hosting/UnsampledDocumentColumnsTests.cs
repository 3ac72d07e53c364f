using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// ANALYZE samples no whole documents (<see cref="EventHealth.Hosting.UnsampledDocumentColumns"/>): set on the event
/// log, the entry documents and the access records, on each table and every partition the schema made, in every
/// database; the fields their indexes extract keep their statistics.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class UnsampledDocumentColumnsTests(AppFixture app)
{
    private static readonly (string Table, string[] Columns)[] Unsampled =
    [
        ("mt_events", ["data", "headers"]),
        ("mt_doc_recordedentry", ["data"]),
        ("mt_doc_accessrecord", ["data"]),
    ];

    [Fact]
    public async Task Every_partition_of_the_document_tables_keeps_no_statistics_on_whole_documents()
    {
        var relationsSeen = new Dictionary<string, int>();
        foreach (var owner in await app.Host.AllOwnerConnectionsAsync())
        {
            foreach (var (table, columns) in Unsampled)
            {
                var named = string.Join(", ", columns.Select(column => $"'{column}'"));
                var targets = await ShardDatabases.QueryAsync(owner, $"""
                    select c.relname, coalesce(a.attstattarget, -1)::int from pg_class c join pg_attribute a on a.attrelid = c.oid
                    where a.attname in ({named}) and (c.oid = to_regclass('eventhealth.{table}')
                       or c.oid in (select inhrelid from pg_inherits where inhparent = to_regclass('eventhealth.{table}')))
                    """, r => (Relation: r.GetString(0), Target: r.GetInt32(1)));
                targets.Where(t => t.Target != 0).ShouldBeEmpty($"{table} in {owner}");
                relationsSeen[table] = relationsSeen.GetValueOrDefault(table) + targets.Select(t => t.Relation).Distinct().Count();
            }
        }

        // The event log is one table per database; the document tables are partitioned by bucket.
        relationsSeen["mt_events"].ShouldBeGreaterThan(0);
        relationsSeen["mt_doc_recordedentry"].ShouldBeGreaterThan(2);
        relationsSeen["mt_doc_accessrecord"].ShouldBeGreaterThan(2);
    }

    [Fact]
    public async Task Analyze_still_gathers_the_statistics_of_the_fields_the_indexes_extract()
    {
        var patientId = await app.Host.EnrollAsync();
        var owner = await app.Host.OwnerConnectionForAsync(patientId);
        var partition = (await ShardDatabases.QueryAsync(owner, $"""
            select tableoid::regclass::text from eventhealth.mt_doc_accessrecord where data ->> 'patientId' = '{patientId}' limit 1
            """, r => r.GetString(0))).Single();

        await ShardDatabases.QueryAsync(owner, $"analyze {partition}", _ => 0);
        var sampled = await ShardDatabases.QueryAsync(owner, $"""
            select s.attname from pg_stats s join pg_class i on i.relname = s.tablename and i.relkind = 'i'
            join pg_index x on x.indexrelid = i.oid where x.indrelid = '{partition}'::regclass
            union all select s.attname from pg_stats s where s.tablename = (select relname from pg_class where oid = '{partition}'::regclass)
            """, r => r.GetString(0));

        sampled.ShouldNotContain("data");
        // The access records' patient and time indexes are expressions; their statistics come from the indexes.
        sampled.Count(name => name != "id" && name != "tenant_id" && name != "mt_last_modified" && name != "mt_version" && name != "mt_dotnet_type").ShouldBeGreaterThanOrEqualTo(2);
    }
}
