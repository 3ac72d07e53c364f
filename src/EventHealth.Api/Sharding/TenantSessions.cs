using Marten;

namespace EventHealth.Sharding;

/// <summary>
/// Sessions opened outside Wolverine's handlers and endpoints (middleware, jobs, the audit writer), always for a tenant:
/// the bucket of the patient they are about. Marten's sharded tenancy has no session without a tenant.
/// </summary>
public sealed class TenantSessions(IDocumentStore store, PatientBuckets buckets)
{
    public PatientBuckets Buckets => buckets;

    public IQuerySession QueryFor(Guid patientId) => store.QuerySession(buckets.TenantOf(patientId));

    public IDocumentSession WriteFor(Guid patientId) => store.LightweightSession(buckets.TenantOf(patientId));

    public IQuerySession QueryForTenant(string tenantId) => store.QuerySession(tenantId);

    public IDocumentSession WriteForTenant(string tenantId) => store.LightweightSession(tenantId);

    /// <summary>The id of the shard database holding the tenant (sessions of one database may write for several of its tenants).</summary>
    public async ValueTask<string> DatabaseOfAsync(string tenantId) => (await store.Storage.FindOrCreateDatabase(tenantId)).Id.Identity;

    /// <summary>Every shard database with the tenants it holds, in database id order: how work across patients fans out.</summary>
    public async Task<IReadOnlyList<(string Database, IReadOnlyList<string> Tenants)>> DatabasesAsync()
    {
        var tenants = new List<(string Database, string Tenant)>();
        foreach (var tenant in buckets.AllTenants)
        {
            tenants.Add((await DatabaseOfAsync(tenant), tenant));
        }

        return [.. tenants.GroupBy(t => t.Database).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, (IReadOnlyList<string>)[.. g.Select(t => t.Tenant)]))];
    }

    /// <summary>The tenant's shard database, for the SQL Marten's LINQ cannot say (<see cref="Hosting.EventStoreQueries"/>).</summary>
    public async ValueTask<Npgsql.NpgsqlConnection> OpenConnectionAsync(string tenantId, CancellationToken cancellation)
    {
        var database = await store.Storage.FindOrCreateDatabase(tenantId);
        var connection = database.CreateConnection();
        await connection.OpenAsync(cancellation);
        return connection;
    }
}

public static class BucketOperations
{
    /// <summary>
    /// <paramref name="operations"/> for documents and streams of another bucket (tenant) of the same database: themselves
    /// for their own bucket, Marten's nested tenant operations (same connection and transaction) for any other.
    /// </summary>
    public static IDocumentOperations InBucket(this IDocumentOperations operations, string tenant) =>
        tenant == operations.TenantId ? operations : operations.ForTenant(tenant);
}
