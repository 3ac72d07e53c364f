using System.Data.Common;
using EventHealth.Hosting;
using Weasel.Core;
using Weasel.Postgresql;

namespace EventHealth.Access;

/// <summary>
/// Makes the access audit append-only in the database itself, whoever connects: a trigger refuses UPDATE, DELETE and
/// TRUNCATE on its table, and the API's role (<see cref="ApiRole"/>, created by ops/db/create-api-role.sh) keeps only
/// SELECT and INSERT on it. Installed with the rest of the schema (start-up in development, <c>resources setup</c> otherwise).
/// </summary>
public sealed class AccessAuditGuard : ISchemaObject, Weasel.Core.Migrations.ISchemaObjectWithDependencies
{
    public const string ApiRole = "eventhealth_api";
    public const string Table = Database.EventStoreSchema + ".mt_doc_accessrecord";
    private const string Function = Database.EventStoreSchema + ".access_audit_refuse_change";

    /// <summary>Raised in the function body, and looked for to know whether this version is installed.</summary>
    private const string Version = "access-audit-guard v1";

    /// <summary>The triggers go on the audit table, so the table is created first.</summary>
    public IEnumerable<DbObjectName> DependsOn { get; } = [new PostgresqlObjectName(Database.EventStoreSchema, "mt_doc_accessrecord", SchemaUtils.IdentifierUsage.General)];

    public DbObjectName Identifier { get; } = new PostgresqlObjectName(Database.EventStoreSchema, "access_audit_refuse_change", SchemaUtils.IdentifierUsage.General);

    public void WriteCreateStatement(Migrator migrator, TextWriter writer) => writer.WriteLine($$"""
        CREATE OR REPLACE FUNCTION {{Function}}() RETURNS trigger LANGUAGE plpgsql AS $guard$
        BEGIN
          RAISE EXCEPTION 'the access audit is append-only: % refused (%)', TG_OP, '{{Version}}' USING ERRCODE = 'insufficient_privilege';
        END
        $guard$;
        DROP TRIGGER IF EXISTS access_audit_append_only ON {{Table}};
        CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON {{Table}}
          FOR EACH ROW EXECUTE FUNCTION {{Function}}();
        DROP TRIGGER IF EXISTS access_audit_no_truncate ON {{Table}};
        CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON {{Table}}
          FOR EACH STATEMENT EXECUTE FUNCTION {{Function}}();
        REVOKE UPDATE, DELETE, TRUNCATE ON {{Table}} FROM PUBLIC;
        DO $grants$ BEGIN
          IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{{ApiRole}}') THEN
            REVOKE UPDATE, DELETE, TRUNCATE ON {{Table}} FROM {{ApiRole}};
          END IF;
        END $grants$;
        """);

    public void WriteDropStatement(Migrator rules, TextWriter writer) => writer.WriteLine($"""
        DROP TRIGGER IF EXISTS access_audit_append_only ON {Table};
        DROP TRIGGER IF EXISTS access_audit_no_truncate ON {Table};
        DROP FUNCTION IF EXISTS {Function}();
        """);

    public void ConfigureQueryCommand(Weasel.Core.DbCommandBuilder builder) => builder.Append($"""
        select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid
        where t.tgrelid = to_regclass('{Table}') and p.prosrc like '%{Version}%';
        """);

    public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct)
    {
        var installed = await reader.ReadAsync(ct) && reader.GetInt64(0) == 2;
        return new SchemaObjectDelta(this, installed ? SchemaPatchDifference.None : SchemaPatchDifference.Create);
    }

    public IEnumerable<DbObjectName> AllNames()
    {
        yield return Identifier;
    }
}

/// <summary>
/// The guard as a schema feature of its own that depends on the audit document, so that schema creation (start-up
/// or <c>resources setup</c>) makes the table before putting triggers on it.
/// </summary>
public sealed class AccessAuditGuardFeature(Migrator migrator) : Weasel.Core.Migrations.FeatureSchemaBase("access_audit_guard", migrator)
{
    public override Type StorageType => typeof(AccessAuditGuardFeature);

    public override IEnumerable<Type> DependentTypes()
    {
        yield return typeof(AccessRecord);
    }

    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        yield return new AccessAuditGuard();
    }
}
