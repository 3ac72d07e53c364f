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

    private static PostgresqlObjectName InEventStoreSchema(string name) => new(Database.EventStoreSchema, name, SchemaUtils.IdentifierUsage.General);
}
