using EventHealth.Http;
using JasperFx.Events;
using Marten;
using Marten.Events;

namespace EventHealth.Alerts;

/// <param name="Status">sent, failed, or pending (queued or being retried).</param>
public sealed record NotificationStatus(string Recipient, string Status, string? MessageId, DateTimeOffset? At, string? Reason);

public sealed record AcknowledgementView(string By, string? Note, DateTimeOffset At);

public sealed record AlertView(
    Guid AlertId,
    string RuleId,
    int RuleVersion,
    string Severity,
    string Criterion,
    IReadOnlyList<Guid> Evidence,
    long EvaluatedThroughVersion,
    DateTimeOffset DetectedAt,
    IReadOnlyList<NotificationStatus> Notifications,
    AcknowledgementView? Acknowledgement);

/// <summary>Folds a record's alert events into what <c>/alerts</c> shows. Pure.</summary>
public static class AlertViews
{
    /// <param name="recipients">Who the alert emails were addressed to (the profile's recipients), to show the still-pending ones.</param>
    public static IReadOnlyList<AlertView> From(IEnumerable<IEvent> events, IReadOnlyList<string> recipients)
    {
        var alerts = new List<(AlertRaised Alert, Dictionary<string, NotificationStatus> Notifications, AcknowledgementView? Ack)>();
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case AlertRaised raised:
                    alerts.Add((raised, recipients.ToDictionary(r => r, r => new NotificationStatus(r, "pending", null, null, null), StringComparer.OrdinalIgnoreCase), null));
                    break;
                case AlertNotificationSent sent when Find(alerts, sent.AlertId) is { } index:
                    alerts[index].Notifications[sent.Recipient] = new NotificationStatus(sent.Recipient, "sent", sent.MessageId, sent.SentAt, null);
                    break;
                case AlertNotificationFailed failed when Find(alerts, failed.AlertId) is { } index:
                    alerts[index].Notifications[failed.Recipient] = new NotificationStatus(failed.Recipient, "failed", null, failed.FailedAt, failed.Reason);
                    break;
                case AlertAcknowledged acknowledged when Find(alerts, acknowledged.AlertId) is { } index && alerts[index].Ack is null:
                    alerts[index] = alerts[index] with { Ack = new AcknowledgementView(acknowledged.By, acknowledged.Note, Recording.EventMetadata.RecordedAt(@event)) };
                    break;
            }
        }

        return alerts
            .OrderByDescending(a => a.Alert.DetectedAt).ThenByDescending(a => a.Alert.EvaluatedThroughVersion)
            .Select(a => new AlertView(a.Alert.AlertId, a.Alert.RuleId, a.Alert.RuleVersion, JsonSetup.Spelling(a.Alert.Severity), a.Alert.Criterion,
                a.Alert.Evidence, a.Alert.EvaluatedThroughVersion, a.Alert.DetectedAt, a.Notifications.Values.ToList(), a.Ack))
            .ToList();
    }

    /// <summary>
    /// A record's alert events only, in order: what <see cref="From"/> folds. The database picks them out of the stream,
    /// so a long record's entries are neither sent nor deserialized to show its few alerts.
    /// </summary>
    public static async Task<IReadOnlyList<IEvent>> LoadEventsAsync(IQuerySession session, Guid patientId, CancellationToken cancellation) =>
        await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == patientId)
            .Where(e => e.EventTypesAre(Recording.PatientStreamEvents.AlertTypes))
            .OrderBy(e => e.Version)
            .ToListAsync(cancellation);

    private static int? Find(List<(AlertRaised Alert, Dictionary<string, NotificationStatus> Notifications, AcknowledgementView? Ack)> alerts, Guid alertId)
    {
        var index = alerts.FindIndex(a => a.Alert.AlertId == alertId);
        return index < 0 ? null : index;
    }
}
