using System.Data.Common;
using Weasel.Core;
using Weasel.Postgresql;

namespace EventHealth.Hosting;

/// <summary>
/// A piece of the schema that is a script on a table Marten owns (triggers, table settings) rather than a table of its
/// own: installed by <see cref="CreateSql"/> with the rest of the schema (start-up in development, <c>resources setup</c>
/// otherwise), after the table it depends on, and known to be installed when <see cref="InstalledQuery"/> counts
/// <see cref="InstalledCount"/>.
/// </summary>
public abstract class ScriptedSchemaObject(string name, string dependsOnTable) : ISchemaObject, Weasel.Core.Migrations.ISchemaObjectWithDependencies
{
    public IEnumerable<DbObjectName> DependsOn { get; } = [InEventStoreSchema(dependsOnTable)];

    public DbObjectName Identifier { get; } = InEventStoreSchema(name);

    protected abstract string CreateSql { get; }

    protected abstract string DropSql { get; }

    /// <summary>A query answering a single count.</summary>
    protected abstract string InstalledQuery { get; }

    protected abstract long InstalledCount { get; }

    public void WriteCreateStatement(Migrator migrator, TextWriter writer) => writer.WriteLine(CreateSql);

    public void WriteDropStatement(Migrator rules, TextWriter writer) => writer.WriteLine(DropSql);

    public void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder) => builder.Append(InstalledQuery);

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct)
    {
        var installed = await reader.ReadAsync(ct) && reader.GetInt64(0) == InstalledCount;
        return new SchemaObjectDelta(this, installed ? SchemaPatchDifference.None : SchemaPatchDifference.Create);
    }

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }

    /// <summary>
    /// The relations of <paramref name="table"/> (schema-qualified) of the kinds given (<c>'r'</c> a table holding rows,
    /// <c>'p'</c> a partitioned one): the table itself and its partitions.
    /// </summary>
    protected static string RelationsOf(string table, string kinds) => $"""
        select c.oid, c.reloptions from pg_class c
        where c.relkind in ({kinds}) and (c.oid = to_regclass('{table}')
           or c.oid in (select inhrelid from pg_inherits where inhparent = to_regclass('{table}')))
        """;

    /// <summary>
    /// The single count of <paramref name="count"/>, or -1 while <paramref name="table"/> does not exist: Weasel reads
    /// every object's state before it creates anything, so a count of nothing on a table still to be made would read as
    /// installed, and the script would wait for the next time the schema is applied.
    /// </summary>
    protected static string CountUnlessMissing(string table, string count) =>
        $"select case when to_regclass('{table}') is null then -1 else ({count}) end;";

    /// <summary>A script running <c>ALTER TABLE … <paramref name="alteration"/></c> on each of <paramref name="relations"/>.</summary>
    protected static string AlterEach(string relations, string alteration) => $$"""
        DO $$ DECLARE relation oid; BEGIN
          FOR relation IN select oid from ({{relations}}) r LOOP
            EXECUTE format('ALTER TABLE %s {{alteration}}', relation::regclass);
          END LOOP;
        END $$;
        """;

    private static PostgresqlObjectName InEventStoreSchema(string name) => new(Database.EventStoreSchema, name, SchemaUtils.IdentifierUsage.General);
}

/// <summary>
/// Scripted pieces of the schema on a document's table, as a schema feature that depends on the document, so that
/// schema creation (start-up or <c>resources setup</c>) makes the table before running them.
/// </summary>
public sealed class DocumentTableScripts<TDocument>(Migrator migrator, params ISchemaObject[] scripts)
    : Weasel.Core.Migrations.FeatureSchemaBase($"{typeof(TDocument).Name.ToLowerInvariant()}_scripts", migrator)
{
    public override Type StorageType => typeof(DocumentTableScripts<TDocument>);

    public override IEnumerable<Type> DependentTypes()
    {
        yield return typeof(TDocument);
    }

    protected override IEnumerable<ISchemaObject> schemaObjects() => scripts;
}
