namespace EventHealth.Alerts;

// Alert events of the catalog. They live in the patient's stream like every other fact of the record.

public enum AlertSeverity
{
    Urgent,
    Advisory,
}

/// <param name="Evidence">The entry ids the rule relied on.</param>
/// <param name="EvaluatedThroughVersion">The last stream version the rule saw: the explanation replays up to it.</param>
public sealed record AlertRaised(
    Guid AlertId,
    string RuleId,
    int RuleVersion,
    AlertSeverity Severity,
    string Criterion,
    IReadOnlyList<Guid> Evidence,
    long EvaluatedThroughVersion,
    DateTimeOffset DetectedAt);

public sealed record AlertNotificationSent(Guid AlertId, string Recipient, string MessageId, DateTimeOffset SentAt);

/// <summary>Sending gave up (a permanent SMTP refusal, or retries exhausted); the message is in the dead letters.</summary>
public sealed record AlertNotificationFailed(Guid AlertId, string Recipient, string Reason, DateTimeOffset FailedAt);

public sealed record AlertAcknowledged(Guid AlertId, string By, string? Note);
