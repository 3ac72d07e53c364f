using JasperFx;
using Npgsql;

namespace EventHealth.Hosting;

/// <summary>The one PostgreSQL database holding the event store, Wolverine's envelopes and Hangfire's jobs.</summary>
public static class Database
{
    public const string ConnectionStringName = "EventHealth";

    /// <summary>Each component keeps its own schema, so they can be inspected or dropped one at a time.</summary>
    public const string EventStoreSchema = "eventhealth";
    public const string MessagingSchema = "wolverine";
    public const string SchedulingSchema = "hangfire";

    /// <summary>
    /// The configured connection string, with three settings defaulted unless the configuration names them
    /// (docs/benchmarks.md has what each bought): <c>No Reset On Close</c>, because otherwise every connection
    /// checkout runs <c>DISCARD ALL</c> (a round trip, and it throws away prepared statements) while no code here
    /// leaves session state behind; and <c>Max Auto Prepare</c>, so the statements every write runs (the event
    /// append function, the inline projections' upserts) are parsed and planned once per connection, not per call.
    /// And <c>plan_cache_mode=force_generic_plan</c> in the session options: the documents and events are partitioned
    /// per bucket, so a custom plan (PostgreSQL's choice for prepared statements on partitioned tables, whose
    /// generic plans it prices as if every partition were scanned) is planned again on every call: 0.05–0.06 ms for
    /// each of an append's two reads, 0.1 ms per timeline page. A generic plan prunes the partitions when it runs. Only
    /// prepared statements (the most used, above) and PL/pgSQL bodies follow the setting.
    /// </summary>
    public static string ConnectionString(this IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException(
                $"Missing connection string 'ConnectionStrings:{ConnectionStringName}' " +
                $"(environment variable ConnectionStrings__{ConnectionStringName}).");
        return WithPoolDefaults(configured);
    }

    /// <summary>A connection string with the pool defaults of <see cref="ConnectionString"/> (control and shard databases alike).</summary>
    public static string WithPoolDefaults(string configured)
    {
        var named = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured }.Keys
            .Cast<string>().Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant()).ToHashSet();
        var builder = new NpgsqlConnectionStringBuilder(configured);
        if (!named.Contains("NORESETONCLOSE"))
        {
            builder.NoResetOnClose = true;
        }

        if (!named.Contains("MAXAUTOPREPARE"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (builder.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c plan_cache_mode=force_generic_plan".TrimStart();
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Whether to create or migrate schemas at start-up. On by default in Development and Testing;
    /// production deployments run `dotnet EventHealth.Api.dll resources setup` or set the flag explicitly.
    /// </summary>
    public static bool CreateSchemaOnStartup(this IHostApplicationBuilder builder) =>
        builder.Configuration.GetValue<bool?>("Database:CreateSchemaOnStartup")
        ?? (builder.Environment.IsDevelopment() || builder.Environment.IsEnvironment("Testing"));

    /// <summary>Whether this process runs <c>resources setup</c>, the schema owner's one-off creation of every schema object.</summary>
    public static bool RunsResourcesSetup() =>
        Environment.GetCommandLineArgs().Skip(1).Take(2).SequenceEqual(["resources", "setup"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether this host creates or migrates schema objects, as the Critter Stack decided it
    /// (<see cref="AddDatabase"/>): Hangfire asks here so that it follows Marten and Wolverine.
    /// </summary>
    public static bool CreatesSchemaObjects(this IServiceProvider services) =>
        services.GetRequiredService<JasperFxOptions>().ActiveProfile.ResourceAutoCreate != AutoCreate.None;

    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.ConnectionString()));
        builder.Services.AddSingleton<EventStoreQueries>();

        // One choice for every component that owns schema objects. Marten and Wolverine take it from the Critter Stack
        // defaults, Hangfire from CreatesSchemaObjects; `resources setup` creates all three where it is off.
        var autoCreate = builder.CreateSchemaOnStartup() ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        builder.Services.CritterStackDefaults(defaults =>
        {
            defaults.Development.ResourceAutoCreate = autoCreate;
            defaults.Production.ResourceAutoCreate = autoCreate;
        });
        if (!builder.Environment.IsDevelopment() && !builder.Environment.IsEnvironment("Testing"))
        {
            builder.Services.AddHostedService<LeastPrivilegeCheck>();
        }

        return builder;
    }
}

/// <summary>
/// Outside development the API must not connect as a superuser (or a role that bypasses row security): a superuser can
/// disable the audit's append-only trigger and rewrite any record. It should connect as the role that
/// ops/db/create-api-role.sh creates. The host refuses to start otherwise.
/// </summary>
public sealed class LeastPrivilegeCheck(NpgsqlDataSource dataSource, ILogger<LeastPrivilegeCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        bool privileged;
        try
        {
            await using var command = dataSource.CreateCommand("select rolsuper or rolbypassrls from pg_roles where rolname = current_user");
            privileged = await command.ExecuteScalarAsync(cancellationToken) is true;
        }
        catch (NpgsqlException)
        {
            // The database may come up after the API; readiness reports it. The role is checked at the next start.
            logger.LogWarning("Could not check the database role at start-up: the database is unreachable");
            return;
        }

        if (privileged)
        {
            throw new InvalidOperationException(
                "The API connects to PostgreSQL as a superuser. Outside development it must use the least-privileged role "
                + "created by ops/db/create-api-role.sh (see docs/reliability.md).");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
