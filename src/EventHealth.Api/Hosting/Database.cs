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

    public static string ConnectionString(this IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException(
            $"Missing connection string 'ConnectionStrings:{ConnectionStringName}' " +
            $"(environment variable ConnectionStrings__{ConnectionStringName}).");

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
