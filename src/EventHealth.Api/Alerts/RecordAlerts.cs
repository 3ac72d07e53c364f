using JasperFx.Events;
using Marten.Events.Aggregation;

namespace EventHealth.Alerts;

/// <summary>One alert as its events left it.</summary>
/// <param name="Outcomes">Sent or failed, one per recipient at most; a recipient without an outcome is still pending.</param>
public sealed record AlertState(AlertRaised Alert, IReadOnlyList<NotificationStatus> Outcomes, AcknowledgementView? Acknowledgement)
{
    public NotificationStatus? OutcomeFor(string recipient) =>
        Outcomes.FirstOrDefault(o => string.Equals(o.Recipient, recipient, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// A record's alerts, kept inline (same transaction as the alert events): what <c>/alerts</c>, the acknowledgement
/// decision, the alert email's "already settled?" check and the digest read, instead of re-folding the stream. The one
/// definition of alert state: the explanation, which replays the stream as it was, folds with the same <see cref="Next"/>.
/// </summary>
public sealed record RecordAlerts
{
    public Guid Id { get; init; }

    /// <summary>In the order they were raised.</summary>
    public IReadOnlyList<AlertState> Alerts { get; init; } = [];

    public AlertState? Find(Guid alertId) => Alerts.FirstOrDefault(a => a.Alert.AlertId == alertId);

    /// <summary>Folds one event; events that are not about alerts leave the state as it is (null before the first alert).</summary>
    public static RecordAlerts? Next(RecordAlerts? current, Guid patientId, IEvent @event) => @event.Data switch
    {
        AlertRaised raised => (current ?? new RecordAlerts { Id = patientId }) with { Alerts = [.. current?.Alerts ?? [], new AlertState(raised, [], null)] },
        AlertNotificationSent sent => current?.WithOutcome(sent.AlertId, new NotificationStatus(sent.Recipient, "sent", sent.MessageId, sent.SentAt, null)),
        AlertNotificationFailed failed => current?.WithOutcome(failed.AlertId, new NotificationStatus(failed.Recipient, "failed", null, failed.FailedAt, failed.Reason)),
        AlertAcknowledged acknowledged => current?.With(acknowledged.AlertId, alert => alert.Acknowledgement is null
            ? alert with { Acknowledgement = new AcknowledgementView(acknowledged.By, acknowledged.Note, Recording.EventMetadata.RecordedAt(@event)) }
            : alert),
        _ => current,
    };

    public static RecordAlerts? Fold(Guid patientId, IEnumerable<IEvent> events) => events.Aggregate((RecordAlerts?)null, (current, e) => Next(current, patientId, e));

    private RecordAlerts WithOutcome(Guid alertId, NotificationStatus outcome) =>
        With(alertId, alert => alert with { Outcomes = [.. alert.Outcomes.Where(o => !string.Equals(o.Recipient, outcome.Recipient, StringComparison.OrdinalIgnoreCase)), outcome] });

    private RecordAlerts With(Guid alertId, Func<AlertState, AlertState> change) =>
        this with { Alerts = [.. Alerts.Select(a => a.Alert.AlertId == alertId ? change(a) : a)] };
}

/// <summary>Runs only for the alert events, so an entry write never loads this document.</summary>
public sealed class RecordAlertsProjection : SingleStreamProjection<RecordAlerts, Guid>
{
    public RecordAlertsProjection()
    {
        foreach (var type in Recording.PatientStreamEvents.AlertTypes)
        {
            IncludeType(type);
        }
    }

    public override RecordAlerts? Evolve(RecordAlerts? snapshot, Guid id, IEvent e) => RecordAlerts.Next(snapshot, id, e);
}
