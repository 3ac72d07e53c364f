using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using EventHealth.Http;

namespace EventHealth.Recording;

/// <summary>
/// What a client sends for one entry. Every field is nullable so that a missing field is told apart from a
/// zero and named in the answer. In a batch, <c>type</c> selects the entry type; the single-entry routes
/// imply it. An entry without a known <c>type</c> deserializes to this base, whose validation says so.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", IgnoreUnrecognizedTypeDiscriminators = false)]
[JsonDerivedType(typeof(RecordEpisode), EntryKinds.Episode)]
[JsonDerivedType(typeof(RecordCramp), EntryKinds.Cramp)]
[JsonDerivedType(typeof(ReportTrigger), EntryKinds.Trigger)]
[JsonDerivedType(typeof(LogSleep), EntryKinds.Sleep)]
[JsonDerivedType(typeof(LogIntake), EntryKinds.Intake)]
[JsonDerivedType(typeof(ApplyIntervention), EntryKinds.Intervention)]
[JsonDerivedType(typeof(ReportSymptom), EntryKinds.Symptom)]
public record EntryRequest
{
    /// <summary>Entries may be backfilled freely, but not dated more than this into the future (clock skew).</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    public static readonly DateTimeOffset EarliestOccurredAt = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const int MaxDetailsLength = 500;
    public const int MaxDurationSeconds = 24 * 60 * 60;

    /// <summary>The client-chosen idempotency key of this entry within the patient's record.</summary>
    [Required]
    public Guid? EntryId { get; init; }

    /// <summary>When it happened in the patient's life, ISO-8601 with offset.</summary>
    [Required]
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>Checks the fields against the catalog's rules; <paramref name="now"/> is the server clock.</summary>
    public void Validate(FieldErrors errors, DateTimeOffset now)
    {
        if (errors.Required("entryId", EntryId) && EntryId == Guid.Empty)
        {
            errors.Add("entryId", "must not be the empty UUID");
        }

        if (errors.Required("occurredAt", OccurredAt))
        {
            if (OccurredAt > now + FutureTolerance)
            {
                errors.Add("occurredAt", "must not be more than 5 minutes in the future");
            }
            else if (OccurredAt < EarliestOccurredAt)
            {
                errors.Add("occurredAt", "must not be before 1900-01-01");
            }
        }

        ValidateFields(errors, now);
    }

    /// <summary>The event this entry becomes. Call only after <see cref="Validate"/> found nothing.</summary>
    public virtual IPatientEntry ToEvent() =>
        throw new InvalidOperationException("An entry without a type has no event.");

    protected virtual void ValidateFields(FieldErrors errors, DateTimeOffset now) =>
        errors.Add("type", $"is required: one of {string.Join(", ", EntryKinds.All)}");

    /// <summary>Validation of a single-entry route's body, in Wolverine's "Validate" middleware form.</summary>
    public Microsoft.AspNetCore.Mvc.ProblemDetails Check(TimeProvider clock)
    {
        var errors = new FieldErrors();
        Validate(errors, clock.GetUtcNow());
        return errors.ToProblem();
    }
}
