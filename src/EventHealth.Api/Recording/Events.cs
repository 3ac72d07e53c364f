namespace EventHealth.Recording;

// The event catalog (shared/design/events.md). Events are immutable facts in a patient's stream; their JSON
// field names and enum spellings are part of the contract. Server metadata (recordedAt, actor, client,
// correlation id) is stored as Marten metadata, never inside these payloads.

/// <summary>An entry the patient records: carries the client-chosen idempotency key and when it happened.</summary>
public interface IPatientEntry
{
    Guid EntryId { get; }
    DateTimeOffset OccurredAt { get; }
}

public sealed record PatientEnrolled(
    Guid PatientId,
    string DisplayName,
    string Email,
    string TimeZone,
    string? ClinicianEmail,
    bool AlertEmails);

/// <summary>Only the fields that changed are set. <see cref="ClinicianEmailRemoved"/> records a removed clinician contact.</summary>
public sealed record ContactDetailsChanged(
    string? Email = null,
    string? ClinicianEmail = null,
    bool ClinicianEmailRemoved = false,
    string? TimeZone = null,
    bool? AlertEmails = null);

public sealed record TwitchEpisodeRecorded(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    IReadOnlyList<BodyRegion> BodyRegions,
    Side Side,
    int Intensity,
    int DurationSeconds,
    bool Visible,
    bool Painful) : IPatientEntry;

public sealed record CrampRecorded(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    BodyRegion BodyRegion,
    int Severity,
    int DurationSeconds,
    bool Sudden,
    bool DisruptedDailyActivities) : IPatientEntry;

public sealed record TriggerReported(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    TriggerKind Kind,
    int? Level,
    string? Details) : IPatientEntry;

public sealed record SleepLogged(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    DateOnly Night,
    double Hours,
    int Quality,
    int Awakenings) : IPatientEntry;

public sealed record IntakeLogged(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    int? WaterMl,
    int? CaffeineMg) : IPatientEntry;

public sealed record InterventionApplied(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    InterventionKind Kind,
    int? DoseMg,
    string? Details) : IPatientEntry;

public sealed record NeurologicalSymptomReported(
    Guid EntryId,
    DateTimeOffset OccurredAt,
    SymptomKind Kind,
    BodyRegion? BodyRegion,
    int Severity) : IPatientEntry;

/// <summary>Withdraws an earlier entry. The entry stays in the log; every projection stops counting it.</summary>
/// <param name="RequestReference">When an operator retracted a clinician's note: the patient's documented request.</param>
public sealed record EntryRetracted(Guid EntryId, string Reason, string? RequestReference = null);
