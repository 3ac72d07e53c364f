using System.Globalization;
using System.Text.Json;
using EventHealth.Sharding;
using EventHealth.Timeline;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EventHealth.Recording;

/// <summary>
/// One document per entry of a record, written inline with the event. It is the idempotency index
/// (entry id → content fingerprint) and, with its summary and data, the item the timeline shows.
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

    /// <summary>Timeline order: occurredAt (UTC ticks) then entry id. Unique and stable, so cursors never repeat or skip.</summary>
    /// <remarks>Not <c>required</c>: documents written before a field existed must still load, so a rebuild can repair them.</remarks>
    public string SortKey { get; init; } = "";

    /// <summary>One human line, e.g. "Twitching in calf (left), intensity 4/10, 30 s".</summary>
    public string Summary { get; init; } = "";

    /// <summary>
    /// The entry's fields as recorded, as JSON text: kept as a string so that their order survives storage
    /// (jsonb reorders object keys) and a replayed timeline is byte-for-byte the live one.
    /// </summary>
    public string Data { get; init; } = "{}";

    public bool Retracted { get; init; }
    public long? RetractedInVersion { get; init; }
    public DateTimeOffset? RetractedAt { get; init; }
    public string? RetractionReason { get; init; }

    /// <summary>A Guid in "N" form: 32 hex digits.</summary>
    private const int GuidLength = 32;

    /// <summary>The digits of a sort key's bound (<see cref="SortKeyBound"/>): an instant's UTC ticks, zero-padded.</summary>
    private const int BoundLength = 19;

    public static string IdFor(Guid patientId, Guid entryId) =>
        string.Create(GuidLength + 1 + GuidLength, (patientId, entryId), static (text, ids) =>
        {
            ids.patientId.TryFormat(text, out _, "N");
            text[GuidLength] = '/';
            ids.entryId.TryFormat(text[(GuidLength + 1)..], out _, "N");
        });

    /// <summary>The entry's key in timeline order: its bound (<see cref="SortKeyBound"/>), "/", its id; one string, built in place.</summary>
    public static string SortKeyFor(DateTimeOffset occurredAt, Guid entryId) =>
        string.Create(BoundLength + 1 + GuidLength, (occurredAt, entryId), static (text, key) =>
        {
            WriteBound(key.occurredAt, text);
            text[BoundLength] = '/';
            key.entryId.TryFormat(text[(BoundLength + 1)..], out _, "N");
        });

    /// <summary>
    /// The bound <paramref name="instant"/> puts on sort keys: entries that occurred at or after it sort above it, entries
    /// before it below it (the ticks come first, with the same 19 digits), so a range of instants is a range of keys.
    /// </summary>
    public static string SortKeyBound(DateTimeOffset instant) => string.Create(BoundLength, instant, static (text, at) => WriteBound(at, text));

    private static void WriteBound(DateTimeOffset instant, Span<char> text) =>
        instant.UtcTicks.TryFormat(text, out _, "D19", CultureInfo.InvariantCulture);

    /// <summary>Above every sort key (19 nines exceed the ticks of any instant).</summary>
    public const string SortKeyCeiling = "9999999999999999999";

    /// <summary>The document an entry event creates. Pure: the projection and every replay use this one function.</summary>
    public static RecordedEntry From(IEvent<IPatientEntry> recorded)
    {
        // Serialized once: the stored data and the fingerprint hash the same JSON.
        var (data, fingerprint) = Recording.Fingerprint.WithJson(recorded.Data);
        return new()
        {
            Id = IdFor(recorded.StreamId, recorded.Data.EntryId),
            PatientId = recorded.StreamId,
            EntryId = recorded.Data.EntryId,
            Kind = EntryKinds.Of(recorded.Data),
            Fingerprint = fingerprint,
            Version = recorded.Version,
            OccurredAt = recorded.Data.OccurredAt,
            RecordedAt = EventMetadata.RecordedAt(recorded),
            SortKey = SortKeyFor(recorded.Data.OccurredAt, recorded.Data.EntryId),
            Summary = EntrySummaries.Describe(recorded.Data),
            Data = data,
        };
    }

    public RecordedEntry Retract(IEvent<EntryRetracted> retracted) => this with
    {
        Retracted = true,
        RetractedInVersion = retracted.Version,
        RetractedAt = EventMetadata.RecordedAt(retracted),
        RetractionReason = retracted.Data.Reason,
    };
}

/// <summary>
/// The entry index, inline. The write path commits changes to records of several buckets (tenants) in one session, and
/// Marten hands an inline projection that session's operations, whose tenant is the group's first; each event's
/// document belongs to its own bucket. The new entries of a commit, when there are many, are written by one statement
/// (<see cref="Hosting.EventStoreQueries.QueueDocuments"/>): a 500-entry import was 500 upserts of one document
/// each, the largest statement cost of an import after the events themselves (docs/benchmarks.md, issue 23's fifth
/// pass). A retraction updates its entry's document through the session, as any document.
/// </summary>
public sealed class RecordedEntryProjection : IProjection
{
    /// <summary>
    /// From this many new entries on, one statement; below, Marten's upsert per document, which is cheaper for a few
    /// (an append group's one or two entries: 0.051 ms per upsert, 0.122 ms for the one statement of about two).
    /// </summary>
    internal const int OneStatementFrom = 8;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // The commit's new entries, per record, folded as every replay folds them (TimelineReplay.Apply): a retraction of
        // an entry recorded in the same commit applies to it there; one recorded earlier is loaded and stored again.
        var created = new Dictionary<Guid, (string Tenant, Dictionary<Guid, RecordedEntry> Entries)>();
        foreach (var e in events)
        {
            if (e is not (IEvent<IPatientEntry> or IEvent<EntryRetracted>))
            {
                continue;
            }

            var tenant = e.TenantId ?? operations.TenantId;
            var inCommit = created.TryGetValue(e.StreamId, out var record);
            if (e is IEvent<EntryRetracted> retracted && !(inCommit && record.Entries.ContainsKey(retracted.Data.EntryId)))
            {
                var bucket = operations.InBucket(tenant);
                if (await bucket.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(retracted.StreamId, retracted.Data.EntryId), cancellation) is { } stored)
                {
                    bucket.Store(stored.Retract(retracted));
                }

                continue;
            }

            if (!inCommit)
            {
                created[e.StreamId] = record = (tenant, []);
            }

            TimelineReplay.Apply(record.Entries, e);
        }

        var documents = created.Values.SelectMany(r => r.Entries.Values.Select(entry => (r.Tenant, entry.Id, entry))).ToList();
        if (documents.Count < OneStatementFrom)
        {
            foreach (var (tenant, _, entry) in documents)
            {
                operations.InBucket(tenant).Store(entry);
            }

            return;
        }

        Hosting.EventStoreQueries.QueueDocuments(operations, Hosting.EventStoreQueries.RecordedEntries, documents, replace: true);
    }
}
