using EventHealth.Recording;
using EventHealth.Timeline;
using JasperFx.Events;

namespace EventHealth.Projections;

/// <summary>
/// One record's rebuilt entry documents while the rebuild folds its events a window at a time, kept as digests. After
/// every window the entries it created or changed are hashed as PostgreSQL hashes a stored document
/// (<see cref="JsonbHash"/>) and let go, so a record holds about a window's documents plus some 50 bytes per entry,
/// whatever its length. Meanwhile the database hashes the record's live documents, which stream past once as their ids
/// and hashes; after the last window the two sets of digests are matched, and
/// only the entries whose digests differ (or that have no live document, or a live document no entry accounts for) are
/// rebuilt again from their events and compared in full. Looking the live documents up by id after every window, and
/// deserializing each, had been half of the rebuild's cost (docs/benchmarks.md, issue 23's twelfth pass).
/// </summary>
/// <param name="version">The record's version when its comparison began: no more entries than that (the sets of digests
/// are sized for it once, where growing them left arrays of a long record's size behind for the garbage collector).</param>
/// <param name="sources">Where the record's events and live documents are read (its bucket).</param>
/// <param name="setsBefore">An earlier record's sets of digests, emptied and used again (that comparison must be done).</param>
internal sealed class RebuiltEntries(Guid patientId, long version, RebuiltEntries.Sources sources, RebuiltEntries.DigestSets? setsBefore = null)
{
    /// <param name="EventsAt">The record's events at the given versions, in version order.</param>
    /// <param name="LiveByIds">The live entry documents of the given ids (those that exist).</param>
    /// <param name="LiveOfRecord">Every live entry document of the record, as its id and its hash (<see cref="JsonbHash"/>).</param>
    public sealed record Sources(
        Func<long[], Task<List<IEvent>>> EventsAt,
        Func<string[], Task<List<RecordedEntry>>> LiveByIds,
        Func<CancellationToken, IAsyncEnumerable<(string Id, ulong Digest)>> LiveOfRecord);

    /// <summary>The record's live entry documents as digests, by entry, and the ids of those no entry of the record can have.</summary>
    public sealed record LiveDigests(Dictionary<Guid, ulong> ByEntry, List<string> Unaccounted);

    /// <summary>An entry as rebuilt so far: its document's digest and the events that made it (to rebuild it again).</summary>
    /// <param name="RetractedIn">0 when the entry stands (versions start at 1).</param>
    internal readonly record struct Digested(ulong Digest, long RecordedIn, long RetractedIn);

    /// <summary>
    /// A comparison's two sets of digests, the rebuilt entries' and the live documents'. A rebuild hands them from one
    /// record's comparison to the next (<see cref="ProjectionVerifier"/>): sized for a long record, each is a
    /// large-object-heap array, and a new pair per record had been most of a rebuild's large-object garbage.
    /// </summary>
    public sealed class DigestSets
    {
        internal Dictionary<Guid, Digested> Rebuilt { get; } = [];
        internal Dictionary<Guid, ulong> Live { get; } = [];

        /// <summary>Both sets emptied and sized for <paramref name="entries"/>.</summary>
        internal DigestSets For(int entries)
        {
            Rebuilt.Clear();
            Rebuilt.EnsureCapacity(entries);
            Live.Clear();
            Live.EnsureCapacity(entries);
            return this;
        }
    }

    private readonly DigestSets sets = (setsBefore ?? new DigestSets()).For(EntriesAtMost(version));
    private readonly string patientKey = patientId.ToString("N");
    private Outcome? outcome;

    /// <summary>The fold's working set (<see cref="TimelineReplay.Apply"/>): the entries the current window created or changed, by entry id.</summary>
    public Dictionary<Guid, RecordedEntry> Working { get; } = [];

    /// <summary>Entries whose live document held what their rebuilt one does, decided by their digests.</summary>
    public int EqualByDigest => outcome?.Equal ?? 0;

    /// <summary>Entries whose rebuilt documents were compared in full: digests that differed, and documents on one side only.</summary>
    public int ComparedInFull => outcome is null ? 0 : outcome.Differing.Count + outcome.Unaccounted.Count;

    /// <summary>Brings back into <see cref="Working"/>, rebuilt from their events, the digested entries that <paramref name="window"/> retracts, before it is folded.</summary>
    public async Task RecallAsync(IReadOnlyList<IEvent> window)
    {
        var recalled = window.Select(e => e.Data).OfType<EntryRetracted>().Select(r => r.EntryId)
            .Where(id => !Working.ContainsKey(id) && sets.Rebuilt.ContainsKey(id)).ToHashSet();
        if (recalled.Count > 0)
        {
            foreach (var (entryId, entry) in await RebuildAsync(recalled))
            {
                Working[entryId] = entry;
            }
        }
    }

    /// <summary>Digests the entries the last window created or changed and lets their documents go.</summary>
    public void Digest()
    {
        foreach (var entry in Working.Values)
        {
            sets.Rebuilt[entry.EntryId] = new Digested(JsonbHash.Of(entry), entry.Version, entry.RetractedInVersion ?? 0);
        }

        Working.Clear();
    }

    /// <summary>
    /// Reads every live entry document's digest of the record in one pass over them: on a task of its own while the events
    /// are folded (its own connection), so that PostgreSQL's hashing of the documents uses what the fold leaves of the two cores.
    /// </summary>
    public async Task<LiveDigests> DigestLiveAsync(CancellationToken cancellation)
    {
        var live = new LiveDigests(sets.Live, []);
        await foreach (var (id, digest) in sources.LiveOfRecord(cancellation))
        {
            if (EntryOf(id) is { } entryId)
            {
                live.ByEntry[entryId] = digest;
            }
            else
            {
                live.Unaccounted.Add(id);
            }
        }

        return live;
    }

    /// <summary>Matches the rebuilt entries' digests with the live documents' (<see cref="DigestLiveAsync"/>) once the last window is folded.</summary>
    public void MatchLive(LiveDigests live)
    {
        var result = new Outcome();
        foreach (var (entryId, rebuilt) in sets.Rebuilt)
        {
            if (live.ByEntry.Remove(entryId, out var document) && document == rebuilt.Digest)
            {
                result.Equal++;
            }
            else
            {
                // A live document that differs, or none.
                result.Differing.Add(entryId);
            }
        }

        // Live documents of entries the events never recorded.
        result.Unaccounted.AddRange(live.Unaccounted);
        result.Unaccounted.AddRange(live.ByEntry.Keys.Select(IdOf));
        outcome = result;
    }

    /// <summary>
    /// The pairs <see cref="MatchLive"/> did not find equal, in document id order, for the full comparison: each rebuilt
    /// entry rebuilt again from its events with its live document (if any), then each live document no entry accounts
    /// for with nothing. Read a window at a time.
    /// </summary>
    public async IAsyncEnumerable<(string Id, RecordedEntry? Rebuilt, RecordedEntry? Live)> UnequalCandidatesAsync()
    {
        var result = outcome ?? throw new InvalidOperationException("Match the live documents first.");
        foreach (var chunk in result.Differing.OrderBy(IdOf, StringComparer.Ordinal).Chunk(ProjectionVerifier.EventWindow))
        {
            var rebuilt = await RebuildAsync(chunk);
            var live = (await sources.LiveByIds([.. chunk.Select(IdOf)])).ToDictionary(e => e.Id, StringComparer.Ordinal);
            foreach (var entryId in chunk)
            {
                var id = IdOf(entryId);
                yield return (id, rebuilt.GetValueOrDefault(entryId), live.GetValueOrDefault(id));
            }
        }

        foreach (var chunk in result.Unaccounted.Order(StringComparer.Ordinal).Chunk(ProjectionVerifier.EventWindow))
        {
            foreach (var live in (await sources.LiveByIds(chunk)).OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                yield return (live.Id, null, live);
            }
        }
    }

    /// <summary>Digested entries as they were rebuilt, folded again from the events that made them (their recording, and their retraction if any).</summary>
    private async Task<Dictionary<Guid, RecordedEntry>> RebuildAsync(IEnumerable<Guid> entryIds)
    {
        var versions = entryIds.Select(id => sets.Rebuilt[id])
            .SelectMany(d => d.RetractedIn > 0 ? [d.RecordedIn, d.RetractedIn] : new[] { d.RecordedIn })
            .ToArray();
        var entries = new Dictionary<Guid, RecordedEntry>();
        foreach (var @event in await sources.EventsAt(versions))
        {
            TimelineReplay.Apply(entries, @event);
        }

        return entries;
    }

    /// <summary>How many entries a record of <paramref name="version"/> can hold, as the sets of digests are sized (capped).</summary>
    private static int EntriesAtMost(long version) => (int)Math.Min(version, 1_000_000);

    private string IdOf(Guid entryId) => RecordedEntry.IdFor(patientId, entryId);

    /// <summary>The entry a live document of this record belongs to: its id exactly the one that entry's document has
    /// (<see cref="RecordedEntry.IdFor"/>); null for any other id.</summary>
    private Guid? EntryOf(string documentId)
    {
        const int keyLength = 32;
        Span<char> canonical = stackalloc char[keyLength];
        return documentId.Length == (keyLength * 2) + 1
            && documentId[keyLength] == '/'
            && documentId.AsSpan(0, keyLength).SequenceEqual(patientKey)
            && Guid.TryParseExact(documentId.AsSpan(keyLength + 1), "N", out var entryId)
            && entryId.TryFormat(canonical, out _, "N")
            && documentId.AsSpan(keyLength + 1).SequenceEqual(canonical)
            ? entryId
            : null;
    }

    private sealed class Outcome
    {
        public int Equal { get; set; }
        public List<Guid> Differing { get; } = [];
        public List<string> Unaccounted { get; } = [];
    }
}
