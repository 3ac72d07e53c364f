using System.Linq.Expressions;
using Hangfire;
using Hangfire.PostgreSql;
using JasperFx.CommandLine.Descriptions;
using Microsoft.Extensions.Options;

namespace EventHealth.Hosting;

public static class SchedulingConfiguration
{
    /// <summary>Hangfire with its storage in PostgreSQL (own schema) and a processing server inside the host.</summary>
    public static IHostApplicationBuilder AddScheduling(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Scheduling").Get<SchedulingSettings>() ?? new SchedulingSettings();
        var connectionString = builder.Configuration.ConnectionString();

        builder.Services.AddSingleton<JobTelemetryFilter>();
        // The host's own storage instance. Hangfire's default registration hands out the process-wide JobStorage.Current,
        // which the last host to configure Hangfire sets: with several hosts in one process (tests, a second node), a job
        // could be enqueued into another host's database (found when a test host's probe job never ran).
        builder.Services.AddSingleton<JobStorage>(services => StorageFor(connectionString, new PostgreSqlStorageOptions
        {
            SchemaName = Database.SchedulingSchema,
            PrepareSchemaIfNecessary = services.CreatesSchemaObjects(),
            QueuePollInterval = settings.QueuePollInterval,
        }));
        // The telemetry filter through this host's filter provider, not Hangfire's global filter list: a global filter of
        // a host that has stopped (tests start several) would still wrap every job of the hosts that remain.
        builder.Services.AddSingleton<Hangfire.Common.IJobFilterProvider>(services => new HostJobFilters(services.GetRequiredService<JobTelemetryFilter>()));
        // Jobs built from this host's container, not JobActivator.Current (the last host's).
        builder.Services.AddSingleton<JobActivator>(services => new Hangfire.AspNetCore.AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((services, hangfire) => hangfire
            // Hangfire's log provider is process-wide: one that outlives the host whose logger factory it writes to.
            .UseLogProvider(new HostLogProvider(services.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(services.GetRequiredService<JobStorage>()));

        builder.Services.AddSystemPart(new HangfireSystemPart(new HangfireSchema(connectionString)));
        builder.Services.AddHangfireServer(server =>
        {
            server.ServerName = $"eventhealth:{Environment.MachineName}:{Environment.ProcessId}{settings.ServerNameSuffix}";
            server.WorkerCount = settings.WorkerCount;
        });
        return builder;
    }

    private static PostgreSqlStorage StorageFor(string connectionString, PostgreSqlStorageOptions options) =>
        new(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(connectionString, options), options);

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

/// <summary>Hangfire's global filters (retries, attributes on jobs) and this host's own.</summary>
internal sealed class HostJobFilters(JobTelemetryFilter telemetry) : Hangfire.Common.IJobFilterProvider
{
    private readonly Hangfire.Common.JobFilter own = new(telemetry, Hangfire.Common.JobFilterScope.Global, null);

    public IEnumerable<Hangfire.Common.JobFilter> GetFilters(Hangfire.Common.Job job) => Hangfire.Common.JobFilterProviders.Providers.GetFilters(job).Append(own);
}

/// <summary>
/// Hangfire's process-wide log provider writing to a host's loggers; once that host is disposed (tests run several
/// hosts in one process, one after the other) its lines are dropped instead of failing the job or the type initializer
/// that logged them.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory loggers) : Hangfire.Logging.ILogProvider
{
    private readonly Hangfire.AspNetCore.AspNetCoreLogProvider inner = new(loggers);

    public Hangfire.Logging.ILog GetLogger(string name)
    {
        try
        {
            return new DroppingWhenDisposed(inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new DroppingWhenDisposed(null);
        }
    }

    private sealed class DroppingWhenDisposed(Hangfire.Logging.ILog? log) : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                return log?.Log(logLevel, messageFunc, exception) ?? false;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}

public sealed record SchedulingSettings
{
    /// <summary>How often idle workers look for queued jobs. Hangfire's default of 15 s delays ad-hoc jobs needlessly.</summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int WorkerCount { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Appended to the job server's name (machine and process id), which Hangfire records on every job it runs: two
    /// hosts in one process (tests) are told apart by it. Empty in deployments, where the process id already differs.
    /// </summary>
    public string ServerNameSuffix { get; init; } = "";
}

/// <summary>When a recurring job fires: a Hangfire cron read in an IANA zone.</summary>
public interface IRecurringJobSettings
{
    string Cron { get; }

    string TimeZone { get; }
}

/// <summary>One recurring job, registered (or updated) with Hangfire by <see cref="RecurringJobRegistrar"/>.</summary>
public sealed record RecurringJobRegistration(Action<IRecurringJobManager> Register);

public static class RecurringJobs
{
    /// <summary>
    /// Runs <paramref name="run"/> on <typeparamref name="TJob"/> at the cron and zone of <typeparamref name="TSettings"/>
    /// (bound from configuration by the feature).
    /// </summary>
    public static IServiceCollection AddRecurringJob<TJob, TSettings>(this IServiceCollection services, string jobId, Expression<Func<TJob, Task>> run)
        where TSettings : class, IRecurringJobSettings
    {
        services.AddSingleton(provider =>
        {
            var settings = provider.GetRequiredService<IOptions<TSettings>>().Value;
            var options = new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone) };
            return new RecurringJobRegistration(jobs => jobs.AddOrUpdate(jobId, run, settings.Cron, options));
        });
        services.AddHostedService<RecurringJobRegistrar>();
        return services;
    }
}

/// <summary>
/// Registers (or updates) every recurring job when the host starts, not while it is being built, so that command-line
/// verbs (mint-token, rebuild-projections) need no database.
/// </summary>
public sealed class RecurringJobRegistrar(IRecurringJobManager jobs, IEnumerable<RecurringJobRegistration> registrations) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var registration in registrations)
        {
            registration.Register(jobs);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
