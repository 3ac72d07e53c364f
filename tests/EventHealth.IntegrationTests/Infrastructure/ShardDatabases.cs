using Alba;
using EventHealth.Sharding;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL databases behind a host: the control database and the shard databases of the buckets. With no shard
/// configured they are one and the same; with <c>EVENTHEALTH_SHARDS=2 ops/test</c> a patient's rows live on its shard.
/// </summary>
public static class ShardDatabases
{
    /// <summary>The owner's connection string of the shard database holding <paramref name="patientId"/>'s bucket.</summary>
    public static async Task<string> OwnerConnectionForAsync(this IAlbaHost host, Guid patientId)
    {
        var buckets = host.Services.GetRequiredService<PatientBuckets>();
        var database = await host.Services.GetRequiredService<IDocumentStore>().Storage.FindOrCreateDatabase(buckets.TenantOf(patientId));
        await using var connection = database.CreateConnection();
        return connection.ConnectionString;
    }

    /// <summary>The control database and every shard database, each once (owner connection strings).</summary>
    public static async Task<IReadOnlyList<string>> AllOwnerConnectionsAsync(this IAlbaHost host)
    {
        var sessions = host.Services.GetRequiredService<TenantSessions>();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var all = new List<string> { Environment.GetEnvironmentVariable("ConnectionStrings__EventHealth")! };
        foreach (var (_, tenants) in await sessions.DatabasesAsync())
        {
            await using var connection = (await store.Storage.FindOrCreateDatabase(tenants[0])).CreateConnection();
            all.Add(connection.ConnectionString);
        }

        return [.. all.DistinctBy(Identity)];
    }

    /// <summary>The rows of <paramref name="sql"/> (every result set of it) on a database, read by <paramref name="row"/>.</summary>
    public static async Task<List<T>> QueryAsync<T>(string connectionString, string sql, Func<NpgsqlDataReader, T> row)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        do
        {
            while (await reader.ReadAsync())
            {
                rows.Add(row(reader));
            }
        }
        while (await reader.NextResultAsync());

        return rows;
    }

    /// <summary>The same database as the API's least-privileged role (ops/db/create-api-role.sh creates it in every database).</summary>
    public static string AsApiRole(string ownerConnection) =>
        new NpgsqlConnectionStringBuilder(ownerConnection) { Username = "eventhealth_api", Password = null }.ConnectionString;

    private static string Identity(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
