using Marten;
using Npgsql;

namespace EventHealth.Sharding;

/// <summary>
/// The control database's record of the deployment's bucket count and of which shard holds each bucket. The count is
/// written once, when the deployment is first provisioned; a host configured with another count refuses to start.
/// Buckets are assigned explicitly, at provisioning (<c>resources setup</c>, or the start of a host that creates its
/// schema): bucket i on shard i mod N. Marten's pool registry (<c>mt_tenant_assignments</c>) holds the assignment;
/// Marten refuses a session for a bucket it does not list instead of placing it somewhere.
/// </summary>
public sealed class DeploymentBuckets(string controlConnectionString, ShardingSettings settings, IReadOnlyList<string> shardIds)
{
    public const string Schema = "sharding";
    private const string DeploymentTable = Schema + ".deployment";
    private const string Assignments = Schema + ".mt_tenant_assignments";

    /// <summary>The control database, which holds the registry.</summary>
    public string ControlConnectionString => controlConnectionString;

    /// <summary>Records the bucket count if none is recorded, then checks it; assigns every unassigned tenant.</summary>
    public async Task ProvisionAsync(IDocumentStore store, CancellationToken cancellation)
    {
        await using (var connection = new NpgsqlConnection(controlConnectionString))
        {
            await connection.OpenAsync(cancellation);
            await using var create = new NpgsqlCommand($"""
                create schema if not exists {Schema};
                create table if not exists {DeploymentTable} (
                  singleton boolean primary key default true check (singleton),
                  buckets integer not null check (buckets > 0),
                  provisioned_at timestamptz not null default now());
                """, connection);
            await create.ExecuteNonQueryAsync(cancellation);
            await using var record = new NpgsqlCommand($"insert into {DeploymentTable} (buckets) values ($1) on conflict do nothing", connection);
            record.Parameters.AddWithValue(settings.Buckets);
            await record.ExecuteNonQueryAsync(cancellation);
        }

        await CheckCountAsync(cancellation);
        var assigned = await AssignmentsAsync(cancellation);
        var buckets = new PatientBuckets(settings.Buckets);
        var added = 0;
        foreach (var (tenant, index) in buckets.AllTenants.Select((tenant, index) => (tenant, index)))
        {
            if (!assigned.ContainsKey(tenant))
            {
                // The common tenant sits with bucket 0.
                var shard = ShardingSettings.InitialShardOf(tenant == PatientBuckets.CommonTenant ? 0 : index, shardIds);
                await store.Advanced.AddTenantToShardAsync(tenant, shard, cancellation);
                added++;
            }
        }

        if (added > 0)
        {
            // Schema pieces set per partition (Hosting.UnsampledDocumentColumns) reach the partitions just created.
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        }
    }

    /// <summary>Refuses to run a host whose bucket count differs from the deployment's, or with a bucket left unassigned.</summary>
    public async Task CheckAsync(CancellationToken cancellation)
    {
        await CheckCountAsync(cancellation);
        var assigned = await AssignmentsAsync(cancellation);
        var missing = new PatientBuckets(settings.Buckets).AllTenants.Where(t => !assigned.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{missing.Count} bucket(s) have no shard ({string.Join(", ", missing.Take(5))}…): run `resources setup` (docs/scaling.md).");
        }
    }

    /// <summary>The shard of every assigned tenant.</summary>
    public async Task<Dictionary<string, string>> AssignmentsAsync(CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(controlConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand($"select tenant_id, database_id from {Assignments}", connection);
        var assignments = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                assignments[reader.GetString(0)] = reader.GetString(1);
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Not provisioned yet: no assignments.
        }

        return assignments;
    }

    private async Task CheckCountAsync(CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(controlConnectionString);
        await connection.OpenAsync(cancellation);
        await using var read = new NpgsqlCommand($"select buckets from {DeploymentTable}", connection);
        int? recorded;
        try
        {
            recorded = await read.ExecuteScalarAsync(cancellation) as int?;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            recorded = null;
        }

        if (recorded is null)
        {
            throw new InvalidOperationException("The deployment's bucket count is not recorded: run `resources setup` (docs/scaling.md).");
        }

        if (recorded != settings.Buckets)
        {
            throw new InvalidOperationException(
                $"Sharding:Buckets is {settings.Buckets} but this deployment was provisioned with {recorded} buckets. The count is permanent: "
                + "with another count every record would be looked for in the wrong bucket (docs/scaling.md).");
        }
    }
}
