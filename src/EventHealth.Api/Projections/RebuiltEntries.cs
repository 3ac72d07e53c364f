using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.Projections;

/// <summary>
/// One record's rebuilt entry documents while the rebuild folds its events a window at a time, each held only until it
/// is found equal to its live document. After every window the entries that window created or changed are compared
/// with theirs (one query by id) and the equal ones are let go ("settled"), so a record holds about a window's entries
/// whatever its length, where holding every rebuilt document until the end took about 1.3 KB per entry
/// (docs/benchmarks.md, issue 23's sixth pass). A settled entry that a later event changes (a retraction) comes back
/// first as its live document, which it was equal to. What is still unsettled after the last window differs from its
/// live document or has none: the rebuild reports it. (A record whose documents all differ, as after a change to the
/// entry projection, holds them all, as before.)
/// </summary>
/// <param name="loadLive">The live entry documents of the given ids (those that exist), from the record's bucket.</param>
internal sealed class RebuiltEntries(Guid patientId, Func<string[], Task<List<RecordedEntry>>> loadLive)
{
    private readonly HashSet<Guid> settled = [];

    /// <summary>The unsettled entries as last compared: one the fold has replaced since (records are immutable) is compared again.</summary>
    private readonly Dictionary<Guid, RecordedEntry> comparedAs = [];

    /// <summary>The fold's working set (<see cref="Timeline.TimelineReplay.Apply"/>): every entry not settled, by entry id.</summary>
    public Dictionary<Guid, RecordedEntry> Unsettled { get; } = [];

    /// <summary>Entries found equal to their live documents and let go.</summary>
    public int Settled => settled.Count;

    /// <summary>Brings back, as their live documents, the settled entries <paramref name="window"/> retracts, before it is folded.</summary>
    public async Task RecallAsync(IReadOnlyList<IEvent> window)
    {
        var recalled = window.Select(e => e.Data).OfType<EntryRetracted>().Select(r => r.EntryId).Where(settled.Contains).ToHashSet();
        if (recalled.Count == 0)
        {
            return;
        }

        var byDocumentId = recalled.ToDictionary(id => RecordedEntry.IdFor(patientId, id), StringComparer.Ordinal);
        foreach (var live in await loadLive([.. byDocumentId.Keys]))
        {
            var entryId = byDocumentId[live.Id];
            Unsettled[entryId] = live;
            settled.Remove(entryId);
        }
    }

    /// <summary>Compares the entries the last window created or changed with their live documents and lets the equal ones go.</summary>
    public async Task SettleAsync()
    {
        var changed = Unsettled.Values.Where(e => !comparedAs.TryGetValue(e.EntryId, out var compared) || !ReferenceEquals(compared, e)).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        // An entry recorded again after it settled is unsettled until it is compared again.
        settled.ExceptWith(changed.Select(e => e.EntryId));
        var live = (await loadLive([.. changed.Select(e => e.Id)])).ToDictionary(e => e.Id, StringComparer.Ordinal);
        foreach (var rebuilt in changed)
        {
            if (live.TryGetValue(rebuilt.Id, out var document) && ProjectionVerifier.Equal(document, rebuilt))
            {
                Unsettled.Remove(rebuilt.EntryId);
                comparedAs.Remove(rebuilt.EntryId);
                settled.Add(rebuilt.EntryId);
            }
            else
            {
                comparedAs[rebuilt.EntryId] = rebuilt;
            }
        }
    }

    /// <summary>The entries still unsettled after the last window, in document id order, each with its live document (if any).</summary>
    public async IAsyncEnumerable<(RecordedEntry Rebuilt, RecordedEntry? Live)> UnsettledWithLiveAsync()
    {
        foreach (var chunk in Unsettled.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Chunk(ProjectionVerifier.EventWindow))
        {
            var live = (await loadLive([.. chunk.Select(e => e.Id)])).ToDictionary(e => e.Id, StringComparer.Ordinal);
            foreach (var rebuilt in chunk)
            {
                yield return (rebuilt, live.GetValueOrDefault(rebuilt.Id));
            }
        }
    }

    /// <summary>
    /// The live documents among <paramref name="liveIds"/> (the record's entry documents) that belong to no entry the
    /// events recorded, in document id order, loaded a window at a time.
    /// </summary>
    public async IAsyncEnumerable<RecordedEntry> UnaccountedAsync(IAsyncEnumerable<string> liveIds)
    {
        var unaccounted = new List<string>();
        await foreach (var id in liveIds)
        {
            if (!Accounts(id))
            {
                unaccounted.Add(id);
            }
        }

        foreach (var chunk in unaccounted.Order(StringComparer.Ordinal).Chunk(ProjectionVerifier.EventWindow))
        {
            foreach (var live in (await loadLive(chunk)).OrderBy(e => e.Id, StringComparer.Ordinal))
            {
                yield return live;
            }
        }
    }

    /// <summary>Whether a live entry document of this record belongs to an entry the events recorded (its id exactly
    /// the one that entry's document has).</summary>
    private bool Accounts(string documentId)
    {
        var separator = documentId.IndexOf('/');
        return separator > 0
            && Guid.TryParseExact(documentId.AsSpan(separator + 1), "N", out var entryId)
            && (settled.Contains(entryId) || Unsettled.ContainsKey(entryId))
            && string.Equals(documentId, RecordedEntry.IdFor(patientId, entryId), StringComparison.Ordinal);
    }
}
