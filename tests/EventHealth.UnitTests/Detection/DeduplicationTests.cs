using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

public sealed class DeduplicationTests
{
    private static AlertRaised Earlier(RecordBuilder record, string ruleId, AlertSeverity severity, DateTimeOffset at)
    {
        var evaluation = DetectionDecisions.Evaluate(record.Facts(), at);
        var alert = evaluation.Alerts.Single(a => a.RuleId == ruleId) with { Severity = severity, DetectedAt = at };
        record.Raised(alert);
        return alert;
    }

    [Fact]
    public void The_same_evidence_never_raises_twice()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.Numbness);
        record.Symptom(1, SymptomKind.Tingling);
        Earlier(record, "neurological-symptoms", AlertSeverity.Urgent, RecordBuilder.Now);

        // Eight days on, the same two reports still match (14-day window), but nothing new arrived.
        var later = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now.AddDays(8));
        later.Matches.ShouldHaveSingleItem().RuleId.ShouldBe("neurological-symptoms");
        later.Alerts.ShouldBeEmpty();
    }

    [Fact]
    public void New_evidence_within_7_days_waits_for_the_cooldown()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.BalanceProblem);
        Earlier(record, "coordination-or-balance", AlertSeverity.Urgent, RecordBuilder.Now.AddDays(-3));
        record.Symptom(0, SymptomKind.CoordinationProblem);

        DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).Alerts.ShouldBeEmpty();
        DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now.AddDays(4).AddHours(-1)).Alerts.ShouldBeEmpty();
        // Exactly 7 days after the first alert, with the new report still in its 7-day window.
        DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now.AddDays(4)).Alerts.ShouldHaveSingleItem();
    }

    [Fact]
    public void New_evidence_after_the_cooldown_raises_again()
    {
        var record = new RecordBuilder();
        record.Symptom(9, SymptomKind.BalanceProblem);
        Earlier(record, "coordination-or-balance", AlertSeverity.Urgent, RecordBuilder.Now.AddDays(-8));
        var fresh = record.Symptom(0, SymptomKind.BalanceProblem);

        var alert = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).Alerts.ShouldHaveSingleItem();
        alert.Evidence.ShouldBe([fresh]);
        alert.EvaluatedThroughVersion.ShouldBe(record.Version);
    }

    [Fact]
    public void An_urgent_match_after_an_advisory_one_raises_within_the_cooldown()
    {
        var record = new RecordBuilder();
        record.Symptom(2, SymptomKind.Tingling);
        Earlier(record, "neurological-symptoms", AlertSeverity.Advisory, RecordBuilder.Now.AddDays(-2));
        record.Symptom(0, SymptomKind.Numbness);

        var alert = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).Alerts.ShouldHaveSingleItem();
        alert.Severity.ShouldBe(AlertSeverity.Urgent);
    }

    [Fact]
    public void Alert_ids_are_deterministic_per_patient_rule_and_version()
    {
        var patient = Guid.NewGuid();
        DetectionDecisions.AlertId(patient, "r", 4).ShouldBe(DetectionDecisions.AlertId(patient, "r", 4));
        DetectionDecisions.AlertId(patient, "r", 4).ShouldNotBe(DetectionDecisions.AlertId(patient, "r", 5));
    }

    [Fact]
    public void Review_is_due_at_the_next_local_midnight_while_evidence_is_in_a_window()
    {
        var record = new RecordBuilder("Europe/Paris");
        record.Episode(3);
        var next = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).NextReviewAt;
        next.ShouldBe(new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero)); // 1 April 00:00 CEST

        var quiet = new RecordBuilder();
        quiet.Episode(40);
        DetectionDecisions.Evaluate(quiet.Facts(), RecordBuilder.Now).NextReviewAt.ShouldBeNull();
    }
}
