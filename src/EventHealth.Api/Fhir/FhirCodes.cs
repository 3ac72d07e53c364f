using EventHealth.Alerts;
using EventHealth.Http;
using EventHealth.Recording;
using Hl7.Fhir.Model;

namespace EventHealth.Fhir;

/// <summary>
/// The code systems of the FHIR export (docs/fhir.md lists every code). Standard terminologies where a well-known
/// code exists; otherwise EventHealth's own code systems, whose URIs are stable and never reused for other meanings.
/// </summary>
public static class FhirCodes
{
    public const string Snomed = "http://snomed.info/sct";
    public const string Loinc = "http://loinc.org";
    public const string Icd10 = "http://hl7.org/fhir/sid/icd-10";
    public const string Ucum = "http://unitsofmeasure.org";
    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";

    /// <summary>Root of EventHealth's own FHIR URIs.</summary>
    public const string Base = "https://eventhealth.example/fhir";

    /// <summary>Entry types, and the trigger, intervention and symptom vocabularies (their API spellings).</summary>
    public const string EntryKind = Base + "/CodeSystem/entry-kind";
    public const string Trigger = Base + "/CodeSystem/trigger";
    public const string Intervention = Base + "/CodeSystem/intervention";
    public const string Symptom = Base + "/CodeSystem/neurological-symptom";
    public const string BodyRegion = Base + "/CodeSystem/body-region";

    /// <summary>The fields of an entry that become Observation components.</summary>
    public const string Component = Base + "/CodeSystem/component";

    /// <summary>Detection rules (rule ids of shared/design/detection.md) and what was done about an alert.</summary>
    public const string Rule = Base + "/CodeSystem/detection-rule";
    public const string AlertAction = Base + "/CodeSystem/alert-action";

    /// <summary>N-of-1 experiments: the effect observation and the analysis method versions.</summary>
    public const string Experiment = Base + "/CodeSystem/experiment";

    /// <summary>Identifier systems: a record's patient id, an entry's id, an alert's id, a clinician's id.</summary>
    public const string PatientIdentifier = Base + "/sid/patient-id";
    public const string EntryIdentifier = Base + "/sid/entry-id";
    public const string AlertIdentifier = Base + "/sid/alert-id";
    public const string ClinicianIdentifier = Base + "/sid/clinician-id";
    public const string ExperimentIdentifier = Base + "/sid/experiment-id";

    public static Coding Own(string system, string code, string display) => new(system, code, display);

    public static Coding Own(string system, Enum value) => new(system, JsonSetup.Spelling(value), Timeline.EntrySummaries.Words(value));

    /// <summary>The entry's kind, with the standard codes that say the same thing where they exist.</summary>
    public static CodeableConcept Kind(IPatientEntry entry)
    {
        var kind = EntryKinds.Of(entry);
        var concept = new CodeableConcept { Text = KindDisplay(kind) };
        concept.Coding.Add(Own(EntryKind, kind, KindDisplay(kind)));
        switch (entry)
        {
            case TwitchEpisodeRecorded:
                concept.Coding.Add(new Coding(Icd10, "R25.3", "Fasciculation"));
                break;
            case CrampRecorded:
                concept.Coding.Add(new Coding(Icd10, "R25.2", "Cramp and spasm"));
                break;
            case SleepLogged:
                concept.Coding.Add(new Coding(Loinc, "93832-4", "Sleep duration"));
                break;
            case TriggerReported trigger:
                concept.Coding.Add(Own(Trigger, trigger.Kind));
                if (TriggerSnomed(trigger.Kind) is { } triggerCode)
                {
                    concept.Coding.Add(triggerCode);
                }

                break;
            case NeurologicalSymptomReported symptom:
                concept.Coding.Add(Own(Symptom, symptom.Kind));
                if (SymptomSnomed(symptom.Kind) is { } symptomCode)
                {
                    concept.Coding.Add(symptomCode);
                }

                break;
        }

        return concept;
    }

    public static string KindDisplay(string kind) => kind switch
    {
        EntryKinds.Episode => "Twitching episode",
        EntryKinds.Cramp => "Cramp",
        EntryKinds.Trigger => "Trigger exposure",
        EntryKinds.Sleep => "Night's sleep",
        EntryKinds.Intake => "Fluid and caffeine intake",
        EntryKinds.Intervention => "Intervention",
        EntryKinds.Symptom => "Neurological symptom",
        EntryKinds.Note => "Clinician note",
        _ => kind,
    };

    public static CodeableConcept ComponentCode(string code, string display) => new(Component, code, display, display);

    public static CodeableConcept Region(BodyRegion region) => new() { Coding = [Own(BodyRegion, region)], Text = Timeline.EntrySummaries.Words(region) };

    /// <summary>Laterality qualifiers of SNOMED CT.</summary>
    public static CodeableConcept Laterality(Side side) => side switch
    {
        Side.Left => new CodeableConcept(Snomed, "7771000", "Left", "left"),
        Side.Right => new CodeableConcept(Snomed, "24028007", "Right", "right"),
        _ => new CodeableConcept(Snomed, "51440002", "Right and left", "both"),
    };

    public static CodeableConcept RuleCode(AlertRaised alert) =>
        new(Rule, alert.RuleId, $"{alert.RuleId} v{alert.RuleVersion}", alert.Criterion);

    public static Quantity Seconds(int seconds) => new(seconds, "s", Ucum);

    public static Quantity Milligrams(int milligrams) => new(milligrams, "mg", Ucum);

    public static Quantity Millilitres(int millilitres) => new(millilitres, "mL", Ucum);

    public static Quantity Hours(double hours) => new((decimal)hours, "h", Ucum);

    private static Coding? TriggerSnomed(TriggerKind kind) => kind switch
    {
        TriggerKind.Anxiety => new Coding(Snomed, "48694002", "Anxiety"),
        TriggerKind.Fatigue => new Coding(Snomed, "84229001", "Fatigue"),
        TriggerKind.Dehydration => new Coding(Snomed, "34095006", "Dehydration"),
        _ => null,
    };

    private static Coding? SymptomSnomed(SymptomKind kind) => kind switch
    {
        SymptomKind.MuscleWeakness => new Coding(Snomed, "26544005", "Muscle weakness"),
        SymptomKind.Numbness => new Coding(Snomed, "44077006", "Numbness"),
        SymptomKind.Tingling => new Coding(Snomed, "62507009", "Pins and needles"),
        SymptomKind.SwallowingDifficulty => new Coding(Snomed, "40739000", "Dysphagia"),
        _ => null,
    };
}
