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

        builder.Services.AddSingleton<JobTelemetryFilter>();
        builder.Services.AddHangfire((services, hangfire) => hangfire
            .UseFilter(services.GetRequiredService<JobTelemetryFilter>())
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

    public const string DashboardPath = "/hangfire";

    /// <summary>
    /// The job dashboard, for operators signed in with the dashboard cookie (docs/operations.md). Its actions (retry,
    /// delete, trigger) are POSTs that Hangfire checks against ASP.NET Core antiforgery.
    /// </summary>
    public static WebApplication UseScheduling(this WebApplication app)
    {
        Access.DashboardSignIn.MapDashboardSignIn(app);
        app.MapHangfireDashboardWithAuthorizationPolicy(Access.DashboardSignIn.Policy, DashboardPath, new DashboardOptions
        {
            DashboardTitle = "EventHealth jobs",
            AppPath = Access.DashboardSignIn.SignInPath,
            IgnoreAntiforgeryToken = false,
        }).ExcludeFromDescription();
        return app;
    }
}

public sealed record SchedulingSettings
{
    /// <summary>How often idle workers look for queued jobs. Hangfire's default of 15 s delays ad-hoc jobs needlessly.</summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int WorkerCount { get; init; } = Math.Max(2, Environment.ProcessorCount);
}
