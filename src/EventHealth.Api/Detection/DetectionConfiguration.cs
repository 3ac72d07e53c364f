using Hangfire;
using Marten;
using Wolverine;

namespace EventHealth.Detection;

public sealed record DetectionSettings
{
    public const string Section = "Detection";

    /// <summary>Hangfire cron for the detection run; hourly by default.</summary>
    public string Cron { get; init; } = "0 * * * *";

    /// <summary>IANA zone the cron is read in.</summary>
    public string TimeZone { get; init; } = "UTC";
}

public static class DetectionConfiguration
{
    public static IHostApplicationBuilder AddDetection(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<DetectionSettings>(builder.Configuration.GetSection(DetectionSettings.Section));
        builder.Services.Configure<Alerts.AlertEmailSettings>(builder.Configuration.GetSection(Alerts.AlertEmailSettings.Section));
        var emails = builder.Configuration.GetSection(Alerts.AlertEmailSettings.Section).Get<Alerts.AlertEmailSettings>() ?? new Alerts.AlertEmailSettings();
        builder.Services.ConfigureWolverine(options => Email.SmtpRetries.Apply(options, emails.EffectiveRetryDelays));

        builder.Services.AddScoped<DetectionJob>();
        builder.Services.AddHostedService<DetectionSchedule>();
        builder.Services.ConfigureMarten(options =>
        {
            options.Schema.For<Alerts.AlertEmailDelivery>();
            options.Events.AddEventTypes([typeof(Alerts.AlertRaised), typeof(Alerts.AlertNotificationSent), typeof(Alerts.AlertNotificationFailed), typeof(Alerts.AlertAcknowledged)]);
            options.Schema.For<DetectionCheckpoint>();
        });
        return builder;
    }
}

/// <summary>
/// Registers (or updates) the recurring detection job when the host starts, not while it is being built, so that
/// command-line verbs (mint-token, rebuild-projections) need no database.
/// </summary>
public sealed class DetectionSchedule(IRecurringJobManager jobs, Microsoft.Extensions.Options.IOptions<DetectionSettings> settings) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        jobs.AddOrUpdate<DetectionJob>(
            DetectionJob.RecurringJobId,
            job => job.RunAsync(CancellationToken.None),
            settings.Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(settings.Value.TimeZone) });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
