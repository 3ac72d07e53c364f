using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EventHealth.Recording;

/// <summary>
/// One document per entry of a record, written inline with the event: the idempotency index
/// (entry id → content fingerprint) and the entry's current state (retracted or not).
/// </summary>
public sealed record RecordedEntry
{
    /// <summary>"{patientId}/{entryId}": entry ids are unique within one patient's record only.</summary>
    public required string Id { get; init; }

    public Guid PatientId { get; init; }
    public Guid EntryId { get; init; }

    /// <summary>The batch/route name of the entry type: episode, cramp, trigger, sleep, intake, intervention, symptom.</summary>
    public required string Kind { get; init; }

    public required string Fingerprint { get; init; }

    /// <summary>Stream version of the event that recorded the entry.</summary>
    public long Version { get; init; }

    public DateTimeOffset OccurredAt { get; init; }
    public DateTimeOffset RecordedAt { get; init; }

    public bool Retracted { get; init; }
    public long? RetractedInVersion { get; init; }

    public static string IdFor(Guid patientId, Guid entryId) => $"{patientId:N}/{entryId:N}";
}

public sealed partial class RecordedEntryProjection : EventProjection
{
    public RecordedEntry Create(IEvent<IPatientEntry> recorded) => new()
    {
        Id = RecordedEntry.IdFor(recorded.StreamId, recorded.Data.EntryId),
        PatientId = recorded.StreamId,
        EntryId = recorded.Data.EntryId,
        Kind = EntryKinds.Of(recorded.Data),
        Fingerprint = Fingerprint.Of(recorded.Data),
        Version = recorded.Version,
        OccurredAt = recorded.Data.OccurredAt,
        RecordedAt = EventMetadata.RecordedAt(recorded),
    };

    public async Task Project(IEvent<EntryRetracted> retracted, IDocumentOperations operations, CancellationToken cancellation)
    {
        var entry = await operations.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(retracted.StreamId, retracted.Data.EntryId), cancellation);
        if (entry is not null)
        {
            operations.Store(entry with { Retracted = true, RetractedInVersion = retracted.Version });
        }
    }
}
