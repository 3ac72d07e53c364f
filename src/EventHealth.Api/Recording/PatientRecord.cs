using JasperFx.Events;

namespace EventHealth.Recording;

/// <summary>
/// The write model of a patient's record, kept inline (same transaction as the events) so that every write
/// loads it with the stream version in one round trip. It holds the profile, not the entries: entries are
/// indexed one document each (<see cref="RecordedEntry"/>) so a long record never makes writes heavier.
/// It holds no version: the record's version is its stream's (<see cref="RecordVersion"/>), and the snapshot is stored
/// only when an event changes it (<see cref="PatientRecordProjection"/>), not on every entry.
/// </summary>
public sealed record PatientRecord
{
    public Guid Id { get; init; }

    public required string DisplayName { get; init; }
    public required string Email { get; init; }
    public required string TimeZone { get; init; }
    public string? ClinicianEmail { get; init; }
    public bool AlertEmails { get; init; }

    /// <summary>Fingerprint of the enrollment, so a repeated enrollment with the same content is recognised.</summary>
    public required string EnrollmentFingerprint { get; init; }

    public DateTimeOffset EnrolledAt { get; init; }

    /// <summary>The local day of the latest alert, and how many alert emails were queued on it (for the daily cap).</summary>
    public DateOnly AlertEmailsDay { get; init; }

    public int AlertEmailsThatDay { get; init; }

    /// <summary>Clinicians the patient consented to, by clinician id, with the scope.</summary>
    public Dictionary<string, string> Consents { get; init; } = [];

    /// <summary>The record's N-of-1 experiments by experiment id: what write decisions need, not the schedules.</summary>
    public Dictionary<Guid, Experiments.ExperimentSummary> Experiments { get; init; } = [];

    /// <summary>Set by <see cref="Erasure.RecordErased"/>: the record answers 410 and takes no more writes.</summary>
    public bool Erased { get; init; }

    public DateTimeOffset? ErasedAt { get; init; }

    public static PatientRecord Create(IEvent<PatientEnrolled> enrolled) => new()
    {
        Id = enrolled.Data.PatientId,
        DisplayName = enrolled.Data.DisplayName,
        Email = enrolled.Data.Email,
        TimeZone = enrolled.Data.TimeZone,
        ClinicianEmail = enrolled.Data.ClinicianEmail,
        AlertEmails = enrolled.Data.AlertEmails,
        EnrollmentFingerprint = Fingerprint.Of(enrolled.Data),
        EnrolledAt = EventMetadata.RecordedAt(enrolled),
    };

    public PatientRecord Apply(ContactDetailsChanged changed) => this with
    {
        Email = changed.Email ?? Email,
        ClinicianEmail = changed.ClinicianEmailRemoved ? null : changed.ClinicianEmail ?? ClinicianEmail,
        TimeZone = changed.TimeZone ?? TimeZone,
        AlertEmails = changed.AlertEmails ?? AlertEmails,
    };

    // Entries, retractions and most alert events change no profile field: the fold answers the snapshot itself, which
    // is then not stored again. Counts of entries come from the entry index (RecordedEntry), not from here.
    public PatientRecord Apply(IPatientEntry recorded) => this;

    public PatientRecord Apply(EntryRetracted retracted) => this;

    public PatientRecord Apply(Alerts.AlertRaised raised)
    {
        // Alert emails queued per local day, for the daily cap: one per recipient of each alert.
        var day = PatientCalendar.LocalDate(raised.DetectedAt, TimeZone);
        var queued = (day == AlertEmailsDay ? AlertEmailsThatDay : 0) + AlertRecipients().Count;
        return this with { AlertEmailsDay = day, AlertEmailsThatDay = queued };
    }

    public PatientRecord Apply(Alerts.AlertNotificationSent sent) => this;

    public PatientRecord Apply(Alerts.AlertNotificationFailed failed) =>
        failed.Reason.StartsWith(Alerts.AlertEmailSettings.CapReason, StringComparison.Ordinal) ? this with { AlertEmailsThatDay = AlertEmailsThatDay - 1 } : this;

    public PatientRecord Apply(Alerts.AlertAcknowledged acknowledged) => this;

    public PatientRecord Apply(Access.ConsentGranted granted) =>
        this with { Consents = new Dictionary<string, string>(Consents) { [granted.ClinicianId] = granted.Scope } };

    public PatientRecord Apply(Access.ConsentRevoked revoked) =>
        this with { Consents = Consents.Where(c => c.Key != revoked.ClinicianId).ToDictionary(c => c.Key, c => c.Value) };

    public PatientRecord Apply(IEvent<Experiments.ExperimentPlanned> planned) =>
        this with
        {
            Experiments = new Dictionary<Guid, Experiments.ExperimentSummary>(Experiments)
            {
                [planned.Data.ExperimentId] = new(Fingerprint.Of(planned.Data.Design), planned.Version, EventMetadata.RecordedAt(planned),
                    planned.Data.StartDate, planned.Data.LastDay, null, false),
            },
        };

    public PatientRecord Apply(Experiments.ExperimentStopped stopped) => WithExperiment(stopped.ExperimentId, e => e with { StoppedOn = stopped.StoppedOn });

    public PatientRecord Apply(Experiments.ExperimentConcluded concluded) => WithExperiment(concluded.ExperimentId, e => e with { Concluded = true });

    private PatientRecord WithExperiment(Guid experimentId, Func<Experiments.ExperimentSummary, Experiments.ExperimentSummary> change) =>
        Experiments.TryGetValue(experimentId, out var experiment)
            ? this with { Experiments = new Dictionary<Guid, Experiments.ExperimentSummary>(Experiments) { [experimentId] = change(experiment) } }
            : this;

    public PatientRecord Apply(Erasure.RecordErased erased) => this with { Erased = true, ErasedAt = erased.ErasedAt };

    /// <summary>Who alert emails go to: the patient if opted in, and the clinician contact if set.</summary>
    public IReadOnlyList<string> AlertRecipients() =>
        [.. AlertEmails ? [Email] : Array.Empty<string>(), .. ClinicianEmail is { } clinician ? [clinician] : Array.Empty<string>()];
}
