using EventHealth.IntegrationTests.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// docker-compose.yml's <c>sharded</c> profile, read (there is no Docker here): two shard databases of their own, and a
/// setup and an api that run as the default ones do plus one connection string per shard. Profiles cannot change a
/// service's environment, so the sharded services are twins of the default ones; this keeps the twins in step.
/// </summary>
public sealed class ShardedComposeTests
{
    private static readonly string[] Shards = ["shard01", "shard02"];

    private static Dictionary<string, List<string>> Services() =>
        ProductionIdentityTests.ComposeServices(File.ReadAllLines(Path.Combine(Repository.Root, "docker-compose.yml")));

    [Fact]
    public void Each_shard_database_has_its_own_name_volume_loopback_port_and_the_API_role_script()
    {
        var services = Services();
        for (var index = 0; index < Shards.Length; index++)
        {
            var shard = Shards[index];
            var lines = services[$"postgres-{shard}"];
            lines.ShouldContain("profiles: [sharded]");
            lines.ShouldContain($"POSTGRES_DB: eventhealth_{shard}");
            lines.ShouldContain($"- pgdata-{shard}:/var/lib/postgresql/data");
            lines.ShouldContain("- ./ops/db/create-api-role.sh:/docker-entrypoint-initdb.d/10-create-api-role.sh:ro");
            ProductionIdentityTests.Published(lines).ShouldBe([$"127.0.0.1:{55433 + index}:5432"]);
        }
    }

    [Fact]
    public void The_sharded_setup_and_api_run_as_the_default_ones_plus_a_connection_string_per_shard()
    {
        var services = Services();
        foreach (var (single, sharded) in new[] { ("setup", "setup-sharded"), ("grants", "grants-sharded"), ("api", "api-sharded") })
        {
            services[single].ShouldNotContain(line => line.StartsWith("profiles:", StringComparison.Ordinal), single);
            services[single].ShouldNotContain(line => line.StartsWith("Sharding__", StringComparison.Ordinal), "the default deployment is a pool of one");
            services[sharded].ShouldContain("profiles: [sharded]");
        }

        foreach (var (single, sharded) in new[] { ("setup", "setup-sharded"), ("api", "api-sharded") })
        {
            foreach (var setting in EnvironmentOf(services[single]))
            {
                EnvironmentOf(services[sharded]).ShouldContain(setting, $"{sharded} runs with {single}'s settings");
            }

            services[sharded].ShouldContain("Sharding__Buckets: \"16\"");
            foreach (var shard in Shards)
            {
                services[sharded].ShouldContain(line => line.StartsWith($"Sharding__Shards__{shard}: Host=postgres-{shard};Port=5432;Database=eventhealth_{shard};",
                    StringComparison.Ordinal), $"{sharded} names {shard}");
            }
        }
    }

    private static readonly string[] ServiceKeys = ["build:", "command:", "depends_on:", "entrypoint:", "healthcheck:", "image:", "ports:", "profiles:", "restart:", "volumes:"];

    /// <summary>The service's environment lines (<c>Name: value</c>), from <c>environment:</c> to the service's next key.</summary>
    private static List<string> EnvironmentOf(List<string> service) =>
        service.SkipWhile(line => line != "environment:").Skip(1)
            .TakeWhile(line => !ServiceKeys.Any(key => line.StartsWith(key, StringComparison.Ordinal)))
            .ToList();
}
