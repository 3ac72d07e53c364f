using EventHealth.Http;
using JasperFx.Events;

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

/// <summary>What <c>/alerts</c> shows of a record's alerts (<see cref="RecordAlerts"/>). Pure.</summary>
public static class AlertViews
{
    /// <param name="recipients">Who the alert emails were addressed to (the profile's recipients), to show the still-pending ones.</param>
    public static IReadOnlyList<AlertView> From(RecordAlerts? alerts, IReadOnlyList<string> recipients) =>
        (alerts?.Alerts ?? [])
            .OrderByDescending(a => a.Alert.DetectedAt).ThenByDescending(a => a.Alert.EvaluatedThroughVersion)
            .Select(a => new AlertView(a.Alert.AlertId, a.Alert.RuleId, a.Alert.RuleVersion, JsonSetup.Spelling(a.Alert.Severity), a.Alert.Criterion,
                a.Alert.Evidence, a.Alert.EvaluatedThroughVersion, a.Alert.DetectedAt,
                [
                    .. recipients.Select(r => a.OutcomeFor(r) ?? new NotificationStatus(r, "pending", null, null, null)),
                    .. a.Outcomes.Where(o => !recipients.Contains(o.Recipient, StringComparer.OrdinalIgnoreCase)),
                ],
                a.Acknowledgement))
            .ToList();

    /// <summary>The same view from a stream's events (the explanation replays them), folded by the projection's own function.</summary>
    public static IReadOnlyList<AlertView> From(Guid patientId, IEnumerable<IEvent> events, IReadOnlyList<string> recipients) =>
        From(RecordAlerts.Fold(patientId, events), recipients);
}
