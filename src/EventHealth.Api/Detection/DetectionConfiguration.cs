using EventHealth.Hosting;
using Marten;

namespace EventHealth.Detection;

public sealed record DetectionSettings : IRecurringJobSettings
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

        builder.Services.AddScoped<DetectionJob>();
        builder.Services.AddRecurringJob<DetectionJob, DetectionSettings>(DetectionJob.RecurringJobId, job => job.DispatchAsync());
        builder.Services.ConfigureMarten(options => options.Schema.For<DetectionCheckpoint>());
        return builder;
    }
}
