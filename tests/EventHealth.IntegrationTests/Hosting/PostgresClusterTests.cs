using System.Net.Sockets;
using EventHealth.IntegrationTests.Infrastructure;
using Npgsql;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// The test infrastructure's own PostgreSQL clusters (shards to stop and kill in fault tests): a cluster starts with its
/// database, refuses connections while stopped or killed, and keeps its data through stop, kill and restart.
/// </summary>
public sealed class PostgresClusterTests
{
    [PostgresClusterFact]
    public async Task A_cluster_keeps_its_data_through_stop_kill_and_restart_and_refuses_connections_while_down()
    {
        await using var cluster = new PostgresCluster("eventhealth_shard_probe");
        // No pooling: a pooled connection would outlive the server it was opened on.
        var connectionString = cluster.ConnectionString() + ";Pooling=false";

        await cluster.StartAsync();
        await ExecuteAsync(connectionString, "create table probe (value text); insert into probe values ('kept')");
        (await ScalarAsync(connectionString, "select current_database()")).ShouldBe("eventhealth_shard_probe");

        await cluster.StopAsync();
        await ShouldBeRefusedAsync(connectionString);

        await cluster.StartAsync();
        (await ScalarAsync(connectionString, "select value from probe")).ShouldBe("kept");

        await cluster.KillAsync();
        await ShouldBeRefusedAsync(connectionString);

        await cluster.StartAsync();
        (await ScalarAsync(connectionString, "select value from probe")).ShouldBe("kept");

        await cluster.RestartAsync();
        (await ScalarAsync(connectionString, "select count(*) from probe")).ShouldBe(1L);
    }

    [PostgresClusterFact]
    public async Task Two_clusters_listen_on_different_ports_and_disposing_deletes_the_data()
    {
        string dataDirectory;
        await using (var first = new PostgresCluster("eventhealth_shard01"))
        await using (var second = new PostgresCluster("eventhealth_shard02"))
        {
            await Task.WhenAll(first.StartAsync(), second.StartAsync());
            first.Port.ShouldNotBe(second.Port);
            (await ScalarAsync(first.ConnectionString() + ";Pooling=false", "select current_database()")).ShouldBe("eventhealth_shard01");
            (await ScalarAsync(second.ConnectionString() + ";Pooling=false", "select current_database()")).ShouldBe("eventhealth_shard02");
            dataDirectory = first.DataDirectory;
            Directory.Exists(dataDirectory).ShouldBeTrue();
        }

        Directory.Exists(dataDirectory).ShouldBeFalse();
    }

    private static async Task ShouldBeRefusedAsync(string connectionString)
    {
        var refused = await Should.ThrowAsync<NpgsqlException>(() => ScalarAsync(connectionString, "select 1"));
        refused.InnerException.ShouldBeOfType<SocketException>().SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
