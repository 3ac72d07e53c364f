using EventHealth.Alerts;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.Recording;

/// <summary>The write path's decisions are pure: record state + command + time → events and answer, no database.</summary>
public sealed class RecordChangeDecisionTests
{
    private static readonly Guid PatientId = Guid.NewGuid();
    private static readonly DateTimeOffset Now = new(2026, 4, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly WriteContext Context = new("patient:me", "app", "corr", Now, null);

    private static PatientRecord Record() => new()
    {
        Id = PatientId, DisplayName = "Test", Email = "t@example.org", TimeZone = "UTC", EnrollmentFingerprint = "x",
    };

    private static RecordState State(PatientRecord? record, long version = 1, RecordAlerts? alerts = null,
        IReadOnlyDictionary<Guid, RecordedEntry>? recorded = null) =>
        new(PatientId, record, version, Context, recorded ?? new Dictionary<Guid, RecordedEntry>(), [], alerts);

    private static Event<object> Stored(object data, long version) => new Event<object>(data) { Version = version, StreamId = PatientId };

    private static AlertRaised Raised(Guid alertId) =>
        new(alertId, "coordination-or-balance", 1, AlertSeverity.Advisory, "criterion", [Guid.NewGuid()], 3, Now);

    [Fact]
    public void Enrolment_starts_the_record_and_a_repeat_with_the_same_content_stores_nothing_while_other_content_conflicts()
    {
        var enrolled = new PatientEnrolled(PatientId, "Test", "t@example.org", "UTC", null, false);
        new EnrollPatientChange(enrolled).Decide(State(null, version: 0)).ShouldBeOfType<Append>().Events.ShouldBe([enrolled]);

        var existing = Record() with { EnrollmentFingerprint = Fingerprint.Of(enrolled) };
        new EnrollPatientChange(enrolled).Decide(State(existing)).ShouldBeOfType<Append>().Events.ShouldBeEmpty();
        new EnrollPatientChange(enrolled with { DisplayName = "Other" }).Decide(State(existing)).ShouldBeOfType<Reject>();
    }

    [Fact]
    public void An_acknowledgement_is_decided_on_the_alerts_projection_once()
    {
        var alertId = Guid.NewGuid();
        new AcknowledgeAlertChange(alertId, "seen").Decide(State(Record())).ShouldBeOfType<Reject>();

        var alerts = RecordAlerts.Fold(PatientId, [Stored(Raised(alertId), 4)]);
        var first = new AcknowledgeAlertChange(alertId, " seen ").Decide(State(Record(), 4, alerts)).ShouldBeOfType<Append>();
        var acknowledged = first.Events.ShouldHaveSingleItem().ShouldBeOfType<AlertAcknowledged>();
        acknowledged.Note.ShouldBe("seen");
        acknowledged.By.ShouldBe("patient:me");

        var after = RecordAlerts.Next(alerts, PatientId, Stored(acknowledged, 5));
        new AcknowledgeAlertChange(alertId, "again").Decide(State(Record(), 5, after)).ShouldBeOfType<Append>().Events.ShouldBeEmpty();
    }

    [Fact]
    public void The_alerts_fold_keeps_one_outcome_per_recipient_whatever_its_letter_case_and_the_first_acknowledgement()
    {
        var alertId = Guid.NewGuid();
        var alerts = RecordAlerts.Fold(PatientId,
        [
            Stored(new PatientEnrolled(PatientId, "Test", "t@example.org", "UTC", null, true), 1),
            Stored(Raised(alertId), 2),
            Stored(new AlertNotificationFailed(alertId, "T@example.org", "SMTP 451", Now), 3),
            Stored(new AlertNotificationSent(alertId, "t@example.org", "m1", Now), 4),
            Stored(new AlertAcknowledged(alertId, "patient:me", "first"), 5),
            Stored(new AlertAcknowledged(alertId, "clinician:dr", "second"), 6),
        ])!;

        var alert = alerts.Find(alertId)!;
        alert.Outcomes.ShouldHaveSingleItem().Status.ShouldBe("sent");
        alert.OutcomeFor("T@EXAMPLE.ORG")!.MessageId.ShouldBe("m1");
        alert.Acknowledgement!.Note.ShouldBe("first");
        AlertViews.From(alerts, ["t@example.org", "c@example.org"]).Single().Notifications.Select(n => n.Status).ShouldBe(["sent", "pending"]);
        RecordAlerts.Fold(PatientId, [Stored(new PatientEnrolled(PatientId, "Test", "t@example.org", "UTC", null, true), 1)]).ShouldBeNull();
    }
}
