using EventHealth.Hosting;
using Weasel.Core;

namespace EventHealth.Access;

/// <summary>
/// Makes the access audit append-only in the database itself, whoever connects: a trigger refuses UPDATE, DELETE and
/// TRUNCATE on its table, and the API's role (<see cref="ApiRole"/>, created by ops/db/create-api-role.sh) keeps only
/// SELECT and INSERT on it. Installed with the rest of the schema (start-up in development, <c>resources setup</c> otherwise).
/// </summary>
public sealed class AccessAuditGuard() : ScriptedSchemaObject("access_audit_refuse_change", TableName)
{
    public const string ApiRole = "eventhealth_api";
    public const string TableName = "mt_doc_accessrecord";
    public const string Table = Database.EventStoreSchema + "." + TableName;
    private const string Function = Database.EventStoreSchema + ".access_audit_refuse_change";

    /// <summary>Raised in the function body, and looked for to know whether this version is installed.</summary>
    private const string Version = "access-audit-guard v1";

    protected override string CreateSql => $$"""
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
        """;

    protected override string DropSql => $"""
        DROP TRIGGER IF EXISTS access_audit_append_only ON {Table};
        DROP TRIGGER IF EXISTS access_audit_no_truncate ON {Table};
        DROP FUNCTION IF EXISTS {Function}();
        """;

    /// <summary>Both triggers, calling this version of the function.</summary>
    protected override string InstalledQuery => $"""
        select count(*) from pg_trigger t join pg_proc p on p.oid = t.tgfoid
        where t.tgrelid = to_regclass('{Table}') and p.prosrc like '%{Version}%';
        """;

    protected override long InstalledCount => 2;
}
