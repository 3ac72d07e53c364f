using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

public sealed class AlertEmailTests
{
    private static (PatientRecord Patient, AlertRaised Alert, RecordFacts Facts) Balance()
    {
        var record = new RecordBuilder("Europe/Paris");
        record.Symptom(1, SymptomKind.BalanceProblem, severity: 6);
        var facts = record.Facts();
        var alert = DetectionDecisions.Evaluate(facts, RecordBuilder.Now).Alerts.Single();
        var patient = new PatientRecord
        {
            Id = record.PatientId, DisplayName = "Ana", Email = "ana@example.org", TimeZone = "Europe/Paris",
            ClinicianEmail = "dr@example.org", AlertEmails = true, EnrollmentFingerprint = "x",
        };
        return (patient, alert, facts);
    }

    [Fact]
    public void The_patient_email_states_the_rule_the_criterion_the_evidence_and_that_it_is_not_a_diagnosis()
    {
        var (patient, alert, facts) = Balance();
        var message = AlertEmail.Compose(patient, alert, facts, "ana@example.org");
        var text = message.TextBody!;

        message.Subject.ShouldBe("EventHealth urgent alert: coordination or balance problems");
        text.ShouldStartWith("Hello Ana,");
        text.ShouldContain("What we noticed: A coordination or balance problem was recorded in the last seven days.");
        text.ShouldContain("The article says: \"Coordination problems or balance issues.\"");
        text.ShouldContain("- 2026-03-30: Symptom: balance problem, severity 6/10");
        text.ShouldContain("This is not a diagnosis.");
    }

    [Fact]
    public void The_clinicians_copy_asks_for_a_review_and_never_to_contact_a_doctor()
    {
        var (patient, alert, facts) = Balance();
        var text = AlertEmail.Compose(patient, alert, facts, "dr@example.org").TextBody!;

        text.ShouldContain("please review this with your patient");
        text.ShouldNotContain("contact a doctor", Case.Insensitive);
        text.ShouldNotContain("only a doctor", Case.Insensitive);
        text.ShouldNotContain("call your local emergency number");
        AlertEmail.Compose(patient, alert, facts, "ana@example.org").TextBody!.ShouldContain("Please contact a doctor soon about this.");
    }

    [Theory]
    [InlineData("speech", "Speech or swallowing difficulty was recorded in the last seven days.", "Numbness")]
    [InlineData("sensory-twice", "Numbness or tingling was recorded on 2 different days of the last fourteen.", "Speech")]
    [InlineData("sensory-with-weakness", "Numbness or tingling came together with muscle weakness in the last fourteen days.", "Speech")]
    [InlineData("sensory-once", "Numbness or tingling was recorded in the last seven days.", "Speech")]
    public void A_neurological_symptoms_email_names_the_branch_that_matched(string branch, string said, string notSaid)
    {
        var record = new RecordBuilder("Europe/Paris");
        switch (branch)
        {
            case "speech":
                record.Symptom(1, SymptomKind.SpeechDifficulty);
                break;
            case "sensory-twice":
                record.Symptom(1, SymptomKind.Numbness);
                record.Symptom(5, SymptomKind.Tingling);
                break;
            case "sensory-with-weakness":
                record.Symptom(1, SymptomKind.Tingling);
                record.Symptom(10, SymptomKind.MuscleWeakness);
                break;
            default:
                record.Symptom(2, SymptomKind.Numbness);
                break;
        }

        var facts = record.Facts();
        var alert = DetectionDecisions.Evaluate(facts, RecordBuilder.Now).Alerts.Single(a => a.RuleId == "neurological-symptoms");
        var patient = new PatientRecord
        {
            Id = record.PatientId, DisplayName = "Ana", Email = "ana@example.org", TimeZone = "Europe/Paris",
            ClinicianEmail = "dr@example.org", AlertEmails = true, EnrollmentFingerprint = "x",
        };
        var text = AlertEmail.Compose(patient, alert, facts, "ana@example.org").TextBody!;

        text.ShouldContain($"What we noticed: {said}");
        text.Split('\n').Single(line => line.StartsWith("What we noticed:", StringComparison.Ordinal)).ShouldNotContain(notSaid);
    }

    [Fact]
    public void Message_ids_are_deterministic_per_alert_and_recipient()
    {
        var (patient, alert, facts) = Balance();
        var toPatient = AlertEmail.Compose(patient, alert, facts, "ana@example.org");
        AlertEmail.Compose(patient, alert, facts, "ana@example.org").MessageId.ShouldBe(toPatient.MessageId);
        AlertEmail.Compose(patient, alert, facts, "dr@example.org").MessageId.ShouldNotBe(toPatient.MessageId);
        AlertEmail.Compose(patient, alert, facts, "dr@example.org").TextBody!.ShouldContain("You are the clinician contact of Ana.");
    }
}
