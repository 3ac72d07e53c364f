using Marten;
using Wolverine;
using Wolverine.Attributes;

namespace EventHealth.Alerts;

/// <summary>One email of one alert to one recipient, cascaded by the detection run through the outbox.</summary>
/// <remarks>The identity is the name it had in Detection/, so messages already in the durable inbox still deliver.</remarks>
[MessageIdentity("EventHealth.Detection.SendAlertEmail")]
public sealed record SendAlertEmail(Guid PatientId, Guid AlertId, string Recipient);

public sealed record AlertEmailSettings
{
    public const string Section = "AlertEmails";

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2),
    ];

    /// <summary>
    /// Configured waits between attempts while SMTP is unreachable; after the last, the message is dead-lettered.
    /// Empty by default because configuration binding appends to a pre-filled list instead of replacing it.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;

    public const string CapReason = "daily cap";

    /// <summary>At most this many alert emails leave for one patient's record per local day, all recipients together.</summary>
    public int DailyCapPerPatient { get; init; } = 10;
}

public static class AlertEmailConfiguration
{
    /// <summary>Alert emails: their settings, the SMTP retry policy of the email handlers, and the delivery markers.</summary>
    public static IHostApplicationBuilder AddAlertEmails(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(AlertEmailSettings.Section);
        builder.Services.Configure<AlertEmailSettings>(section);
        var settings = section.Get<AlertEmailSettings>() ?? new AlertEmailSettings();
        builder.Services.ConfigureWolverine(options => Email.SmtpRetries.Apply(options, settings.EffectiveRetryDelays));
        builder.Services.ConfigureMarten(options =>
        {
            options.Schema.For<AlertEmailDelivery>();
            options.Projections.Add<RecordAlertsProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        });
        return builder;
    }
}
