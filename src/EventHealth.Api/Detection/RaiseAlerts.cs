using EventHealth.Alerts;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Wolverine;

namespace EventHealth.Detection;

/// <summary>Append alerts decided on a record at <see cref="EvaluatedThroughVersion"/>, only if the record has not moved since.</summary>
public sealed record RaiseAlerts(Guid PatientId, long EvaluatedThroughVersion, IReadOnlyList<AlertRaised> Alerts, string RunId);

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
    public static async Task<OutgoingMessages> Handle(RaiseAlerts command, IDocumentSession session, TimeProvider clock, CancellationToken cancellation)
    {
        EventMetadata.Stamp(session, new WriteContext(Actor, Client, command.RunId, clock.GetUtcNow(), command.EvaluatedThroughVersion));
        var stream = await session.Events.FetchForWriting<PatientRecord>(command.PatientId, command.EvaluatedThroughVersion, cancellation);
        stream.AppendMany(command.Alerts.ToArray<object>());

        var emails = new OutgoingMessages();
        foreach (var alert in command.Alerts)
        {
            emails.AddRange(stream.Aggregate!.AlertRecipients().Select(recipient => new SendAlertEmail(command.PatientId, alert.AlertId, recipient)));
        }

        return emails;
    }
}
