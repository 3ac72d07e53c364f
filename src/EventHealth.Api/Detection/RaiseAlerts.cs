using EventHealth.Alerts;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Wolverine;

namespace EventHealth.Detection;

/// <summary>Append alerts decided on a record at <see cref="EvaluatedThroughVersion"/>, only if the record has not moved since.</summary>
public sealed record RaiseAlerts(Guid PatientId, long EvaluatedThroughVersion, IReadOnlyList<AlertRaised> Alerts, string RunId);

/// <summary>The stream version after the alerts (and any capped-email failures) were appended.</summary>
public sealed record AlertsAppended(long Version);

/// <summary>One email of one alert to one recipient.</summary>
public sealed record SendAlertEmail(Guid PatientId, Guid AlertId, string Recipient);

public static class RaiseAlertsHandler
{
    public const string Actor = "system:detection";
    public const string Client = "detection-job";

    /// <summary>
    /// The alert events and their email messages commit in one transaction (Wolverine's Marten outbox): an alert is
    /// never stored without its emails queued, nor emailed without being stored. The expected version makes a
    /// concurrent run of the same evaluation fail here instead of raising twice.
    /// </summary>
    public static async Task<(AlertsAppended, OutgoingMessages)> Handle(RaiseAlerts command, IDocumentSession session, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<AlertEmailSettings> settings, CancellationToken cancellation)
    {
        EventMetadata.Stamp(session, new WriteContext(Actor, Client, command.RunId, clock.GetUtcNow(), command.EvaluatedThroughVersion));
        var stream = await session.Events.FetchForWriting<PatientRecord>(command.PatientId, command.EvaluatedThroughVersion, cancellation);
        stream.AppendMany(command.Alerts.ToArray<object>());

        // The daily cap is decided here, in the same transaction and under the same version check as the alerts,
        // so parallel senders cannot overrun it: emails beyond it are recorded as failed instead of queued.
        var emails = new OutgoingMessages();
        var appended = command.Alerts.Count;
        var record = stream.Aggregate!;
        var today = Daily.PatientDays.LocalDate(clock.GetUtcNow(), record.TimeZone);
        var budget = settings.Value.DailyCapPerPatient - (record.AlertEmailsDay == today ? record.AlertEmailsThatDay : 0);
        foreach (var alert in command.Alerts)
        {
            foreach (var recipient in record.AlertRecipients())
            {
                if (budget-- > 0)
                {
                    emails.Add(new SendAlertEmail(command.PatientId, alert.AlertId, recipient));
                }
                else
                {
                    appended++;
                    stream.AppendOne(new AlertNotificationFailed(alert.AlertId, recipient,
                        $"{AlertEmailSettings.CapReason} of {settings.Value.DailyCapPerPatient} alert emails reached", clock.GetUtcNow()));
                }
            }
        }

        return (new AlertsAppended(command.EvaluatedThroughVersion + appended), emails);
    }
}
