#!/usr/bin/env bash
# Creates (or updates) the least-privileged role the API connects as outside development, and grants it what the
# API needs: read and write on the tables of the eventhealth, wolverine, hangfire and sharding schemas (existing ones and those
# the schema owner creates later), but only SELECT and INSERT on the access audit. No DDL, no superuser, no BYPASSRLS.
# Run it as the schema owner (e.g. postgres) before or after `EventHealth.Api resources setup`; it is idempotent.
#   PGHOST/PGPORT/PGUSER/PGDATABASE as for psql; EVENTHEALTH_API_PASSWORD sets the role's password (optional locally).
# The PostgreSQL container image runs it from /docker-entrypoint-initdb.d (docker-compose.yml).
set -euo pipefail
role=${EVENTHEALTH_API_ROLE:-eventhealth_api}
database=${PGDATABASE:-${POSTGRES_DB:-eventhealth}}
owner=${PGUSER:-${POSTGRES_USER:-postgres}}
psql -v ON_ERROR_STOP=1 -q -d "$database" -U "$owner" -v role="$role" -v password="${EVENTHEALTH_API_PASSWORD:-}" -v owner="$owner" -v db="$database" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') WHERE :'password' <> '' \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'role') \gexec
-- What the owner creates later (resources setup, migrations, Hangfire's installer) is open to the API too.
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE ON SCHEMAS TO %I', :'owner', :'role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner', :'role') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', :'owner', :'role') \gexec
-- What exists already.
SELECT format('GRANT USAGE ON SCHEMA %1$I TO %2$I; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %1$I TO %2$I; '
              'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %1$I TO %2$I', nspname, :'role')
FROM pg_namespace WHERE nspname IN ('eventhealth', 'wolverine', 'hangfire', 'sharding') \gexec
-- The access audit: read and append only (the table's trigger refuses changes from anyone as well).
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON eventhealth.mt_doc_accessrecord FROM %I', :'role')
WHERE to_regclass('eventhealth.mt_doc_accessrecord') IS NOT NULL \gexec
-- Its per-bucket partitions too (sharded tenancy partitions every table by bucket; the trigger is cloned onto each).
SELECT format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %I', inhrelid::regclass, :'role')
FROM pg_inherits WHERE to_regclass('eventhealth.mt_doc_accessrecord') IS NOT NULL
  AND inhparent = to_regclass('eventhealth.mt_doc_accessrecord') \gexec
SQL
