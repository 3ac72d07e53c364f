using EventHealth.Recording;
using JasperFx.Events;
using Marten;
using Marten.Linq.MatchesSql;

namespace EventHealth.Daily;

/// <summary>
/// The events a retraction's recount (<see cref="PatientDays.Apply(IEvent{EntryRetracted}, IQuerySession)"/>) reads:
/// only those that can change its day, chosen by the database. A recount read the record's whole history until issue
/// 23's seventh pass: one retraction on a record of 127,000 events held 150 MB in the API and took 1.6 s of its CPU; it
/// then read the record twice, once to find the entry's day and once for the day's entries, where the cost is the
/// reading of the record's rows, not the filter (docs/benchmarks.md, eighth pass); now once, unless the entry's day
/// was not the one expected.
/// </summary>
internal static class RetractionHistory
{
    private static readonly string[] ZonesAndRetractions =
        [typeof(PatientEnrolled).GetEventTypeName(), typeof(ContactDetailsChanged).GetEventTypeName(), typeof(EntryRetracted).GetEventTypeName()];

    /// <summary>
    /// The event that recorded <paramref name="entryId"/>, up to <paramref name="throughVersion"/>: found by the version
    /// its entry document keeps (the document is written in the same transaction), by the events' data for a record
    /// whose document is missing. Null when the record never had the entry.
    /// </summary>
    public static async Task<IEvent<IPatientEntry>?> RecordingOfAsync(IQuerySession session, Guid streamId, long throughVersion, Guid entryId)
    {
        var events = Through(session, streamId, throughVersion);
        var found = await session.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(streamId, entryId)) is { } document
            ? await events.Where(e => e.Version == document.Version).ToListAsync()
            : await events.Where(e => e.MatchesSql("(d.type = any(?) and d.data ->> 'entryId' = ?)", PatientStreamEvents.EntryTypeNames, entryId.ToString())).ToListAsync();
        return found.OfType<IEvent<IPatientEntry>>().FirstOrDefault(e => e.Data.EntryId == entryId);
    }

    /// <summary>
    /// Up to <paramref name="throughVersion"/>, in version order, in one reading of the record: the events that set its
    /// zone, every retraction, the event at <paramref name="entryVersion"/> (the retracted entry's), and every entry that
    /// may count for the local <paramref name="day"/>: a night's sleep ending on it, and any other entry that happened
    /// within a day of it in UTC, which covers every zone's offset. The fold decides which of them fall on the day.
    /// </summary>
    public static Task<IReadOnlyList<IEvent>> AroundAsync(IQuerySession session, Guid streamId, long throughVersion, long entryVersion, string day)
    {
        var date = PatientCalendar.ParseDay(day);
        var from = new DateTimeOffset(date.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var until = new DateTimeOffset(date.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var nightBefore = PatientCalendar.Format(date.AddDays(-1));
        return Through(session, streamId, throughVersion)
            .Where(e => e.MatchesSql(
                "(d.version = ? or d.type = any(?) or (d.type = any(?) and coalesce(d.data ->> 'night' = ?, (d.data ->> 'occurredAt')::timestamptz >= ? and (d.data ->> 'occurredAt')::timestamptz < ?)))",
                entryVersion, ZonesAndRetractions, PatientStreamEvents.EntryTypeNames, nightBefore, from, until))
            .ToListAsync();
    }

    // Marten joins a MatchesSql fragment to the other conditions as it is: each fragment above is parenthesised, or its
    // "or" would reach past the stream's condition to every stream.
    private static IQueryable<IEvent> Through(IQuerySession session, Guid streamId, long throughVersion) =>
        session.Events.QueryAllRawEvents().Where(e => e.StreamId == streamId && e.Version <= throughVersion).OrderBy(e => e.Version);
}
