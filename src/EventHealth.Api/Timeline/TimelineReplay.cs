using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.Timeline;

/// <summary>
/// Rebuilds a record's entries from its events with the same pure functions the inline projection uses, so a
/// replayed timeline and the live one cannot drift apart.
/// </summary>
public static class TimelineReplay
{
    /// <summary>The entries as they stood after <paramref name="events"/> (one stream, in version order).</summary>
    public static IReadOnlyList<RecordedEntry> Entries(IEnumerable<IEvent> events)
    {
        var entries = new Dictionary<Guid, RecordedEntry>();
        foreach (var @event in events)
        {
            Apply(entries, @event);
        }

        return entries.Values.OrderBy(e => e.SortKey, StringComparer.Ordinal).ToList();
    }

    /// <summary>One event's effect on a record's entries (by entry id): the step <see cref="Entries"/> folds with, for
    /// readers that see a long record's events a window at a time (the projection rebuild).</summary>
    public static void Apply(Dictionary<Guid, RecordedEntry> entries, IEvent @event)
    {
        switch (@event)
        {
            case IEvent<IPatientEntry> recorded:
                entries[recorded.Data.EntryId] = RecordedEntry.From(recorded);
                break;
            case IEvent<EntryRetracted> retracted when entries.TryGetValue(retracted.Data.EntryId, out var entry):
                entries[entry.EntryId] = entry.Retract(retracted);
                break;
        }
    }

    /// <summary>The events a record held at a moment of recording (recordedAt ≤ asOf) or up to a version.</summary>
    public static IEnumerable<IEvent> Until(IEnumerable<IEvent> events, DateTimeOffset? asOf, long? atVersion) =>
        events.TakeWhile(e => (atVersion is null || e.Version <= atVersion) && (asOf is null || EventMetadata.RecordedAt(e) <= asOf));
}
