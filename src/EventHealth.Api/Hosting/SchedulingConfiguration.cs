using Hangfire;
using Hangfire.PostgreSql;

namespace EventHealth.Hosting;

public static class SchedulingConfiguration
{
    /// <summary>Hangfire with its storage in PostgreSQL (own schema) and a processing server inside the host.</summary>
    public static IHostApplicationBuilder AddScheduling(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Scheduling").Get<SchedulingSettings>() ?? new SchedulingSettings();
        var connectionString = builder.Configuration.ConnectionString();

        builder.Services.AddHangfire(hangfire => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(
                storage => storage.UseNpgsqlConnection(connectionString),
                new PostgreSqlStorageOptions
                {
                    SchemaName = Database.SchedulingSchema,
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = settings.QueuePollInterval,
                }));

        builder.Services.AddHangfireServer(server =>
        {
            server.ServerName = $"eventhealth:{Environment.MachineName}:{Environment.ProcessId}";
            server.WorkerCount = settings.WorkerCount;
        });
        return builder;
    }

    public static WebApplication UseScheduling(this WebApplication app)
    {
        // Operators only: the request's bearer token must carry the operator role.
        app.UseHangfireDashboard("/hangfire", new DashboardOptions { Authorization = [new Access.OperatorDashboardFilter()] });
        return app;
    }
}

public sealed record SchedulingSettings
{
    /// <summary>How often idle workers look for queued jobs. Hangfire's default of 15 s delays ad-hoc jobs needlessly.</summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int WorkerCount { get; init; } = Math.Max(2, Environment.ProcessorCount);
}
