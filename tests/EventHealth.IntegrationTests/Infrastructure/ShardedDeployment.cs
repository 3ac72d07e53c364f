using Alba;
using JasperFx.CommandLine;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A deployment of its own: a control database (on the PostgreSQL that ops/test started) and <c>shards</c> shard
/// clusters of its own, each a real PostgreSQL on its own port (<see cref="PostgresCluster"/>), so that a test can stop,
/// kill or restart one shard. With no shard it is the single-database deployment, in a database of its own. The host is
/// configured as the shared test host is (rightful-caller tokens, MailDev), but runs no test clock.
/// </summary>
public sealed class ShardedDeployment : IAsyncDisposable
{
    private readonly List<PostgresCluster> clusters;

    private ShardedDeployment(string control, List<PostgresCluster> clusters, IAlbaHost host)
    {
        Control = control;
        this.clusters = clusters;
        Host = host;
    }

    public IAlbaHost Host { get; }

    /// <summary>The control database's owner connection string.</summary>
    public string Control { get; }

    /// <summary>The shard clusters, shard01 first.</summary>
    public IReadOnlyList<PostgresCluster> Shards => clusters;

    /// <param name="solo">One node (agents start at once); false for a deployment that will have several nodes.</param>
    public static async Task<ShardedDeployment> StartAsync(string name, int shards, (string Key, string Value)[]? settings = null, bool solo = true)
    {
        var control = await OwnDatabases.CreateAsync($"eventhealth_{name}_control", fresh: true);
        var clusters = new List<PostgresCluster>();
        try
        {
            for (var i = 1; i <= shards; i++)
            {
                var cluster = new PostgresCluster($"eventhealth_shard{i:00}");
                clusters.Add(cluster);
                await cluster.StartAsync();
            }

            return new ShardedDeployment(control, clusters, await BootAsync(control, clusters, settings ?? [], solo));
        }
        catch
        {
            foreach (var cluster in clusters)
            {
                await cluster.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Another host on an existing deployment's control database (no shard of its own); the caller disposes it.</summary>
    public static Task<IAlbaHost> StartOnAsync(string control, params (string Key, string Value)[] settings) => BootAsync(control, [], settings);

    /// <summary>Another API node of this deployment (same control database, same shards), not solo.</summary>
    public Task<IAlbaHost> StartNodeAsync(params (string Key, string Value)[] settings) => BootAsync(Control, clusters, settings, solo: false);

    private static async Task<IAlbaHost> BootAsync(string control, List<PostgresCluster> clusters, (string Key, string Value)[] settings, bool solo = true)
    {
        JasperFxEnvironment.AutoStartHost = true;
        return await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("ConnectionStrings:EventHealth", control);
            foreach (var (key, value) in WithoutInheritedShards())
            {
                builder.UseSetting(key, value);
            }

            for (var i = 0; i < clusters.Count; i++)
            {
                builder.UseSetting($"Sharding:Shards:shard{i + 1:00}", clusters[i].ConnectionString() + ";Maximum Pool Size=40;Timeout=3");
            }

            AppFixture.UseTestTokens(builder);
            AppFixture.UseShortEmailRetries(builder);
            builder.UseSetting("RateLimits:WritesPerMinute", "100000");
            builder.UseSetting("RateLimits:ReadsPerMinute", "100000");
            builder.UseSetting("Scheduling:QueuePollInterval", "00:00:01");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureServices(services =>
            {
                services.AddSingleton<IStartupFilter, RightfulCaller>();
                if (solo)
                {
                    // One node: agents (projections, scheduled work) start at once instead of after leader election.
                    services.RunWolverineInSoloMode();
                }
            });
        });
    }

    /// <summary>
    /// Settings that blank out the shards ops/test exported for the shared host (EVENTHEALTH_SHARDS=2): a host that is a
    /// deployment of its own must not join them (a blank shard is not configured), or its Wolverine node would recover
    /// and handle the shared host's envelopes.
    /// </summary>
    public static IEnumerable<(string Key, string Value)> WithoutInheritedShards() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("Sharding__Shards__", StringComparison.OrdinalIgnoreCase))
            .Select(key => (key.Replace("__", ":", StringComparison.Ordinal), ""));

    /// <summary>The connection string of every shard database, shard01 first (the control database when there is no shard).</summary>
    public IReadOnlyList<string> ShardConnections => clusters.Count == 0 ? [Control] : [.. clusters.Select(c => c.ConnectionString())];

    public Task WaitForProjectionsAsync() =>
        Host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        foreach (var cluster in clusters)
        {
            await cluster.DisposeAsync();
        }
    }
}
