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
    /// The configured connection string, with two pool settings defaulted unless the configuration names them
    /// (docs/benchmarks.md has what each bought): <c>No Reset On Close</c>, because otherwise every connection
    /// checkout runs <c>DISCARD ALL</c> (a round trip, and it throws away prepared statements) while no code here
    /// leaves session state behind; and <c>Max Auto Prepare</c>, so the statements every write runs (the event
    /// append function, the inline projections' upserts) are parsed and planned once per connection, not per call.
    /// </summary>
    public static string ConnectionString(this IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException(
                $"Missing connection string 'ConnectionStrings:{ConnectionStringName}' " +
                $"(environment variable ConnectionStrings__{ConnectionStringName}).");

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

        return builder.ConnectionString;
    }

    /// <summary>
    /// Whether to create or migrate schemas at start-up. On by default in Development and Testing;
    /// production deployments run `dotnet EventHealth.Api.dll resources setup` or set the flag explicitly.
    /// </summary>
    public static bool CreateSchemaOnStartup(this IHostApplicationBuilder builder) =>
        builder.Configuration.GetValue<bool?>("Database:CreateSchemaOnStartup")
        ?? (builder.Environment.IsDevelopment() || builder.Environment.IsEnvironment("Testing"));

    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(builder.Configuration.ConnectionString()));
        return builder;
    }
}
