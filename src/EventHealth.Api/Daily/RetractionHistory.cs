using EventHealth.Recording;
using JasperFx.Events;
using Marten;
using Marten.Linq.MatchesSql;

namespace EventHealth.Daily;

/// <summary>
/// The events a retraction's recount (<see cref="PatientDays.Apply(IEvent{EntryRetracted}, IQuerySession)"/>) reads:
/// only those that can change its day, chosen by the database. A recount read the record's whole history until issue
/// 23's seventh pass: one retraction on a record of 127,000 events held 150 MB in the API and took 1.6 s of its CPU
/// (docs/benchmarks.md).
/// </summary>
internal static class RetractionHistory
{
    private static readonly string[] ZonesAndRetractions =
        [typeof(PatientEnrolled).GetEventTypeName(), typeof(ContactDetailsChanged).GetEventTypeName(), typeof(EntryRetracted).GetEventTypeName()];

    private static readonly string[] EntryTypes = [.. PatientStreamEvents.All.Where(e => e.IsEntry).Select(e => e.Type.GetEventTypeName())];

    /// <summary>
    /// Up to <paramref name="throughVersion"/>, in version order: the events that set the record's zone, every
    /// retraction, and the entry <paramref name="entryId"/> itself (the event that recorded it).
    /// </summary>
    public static Task<IReadOnlyList<IEvent>> ZonesRetractionsAndEntryAsync(IQuerySession session, Guid streamId, long throughVersion, Guid entryId) =>
        Through(session, streamId, throughVersion)
            .Where(e => e.MatchesSql("(d.type = any(?) or (d.type = any(?) and d.data ->> 'entryId' = ?))", ZonesAndRetractions, EntryTypes, entryId.ToString()))
            .ToListAsync();

    /// <summary>
    /// Up to <paramref name="throughVersion"/>, in version order: every entry that may count for the local
    /// <paramref name="day"/>. That is a night's sleep ending on it, and any other entry that happened within a day of it
    /// in UTC, which covers every zone's offset. The fold decides which of them fall on the day.
    /// </summary>
    public static Task<IReadOnlyList<IEvent>> EntriesAroundAsync(IQuerySession session, Guid streamId, long throughVersion, string day)
    {
        var date = PatientCalendar.ParseDay(day);
        var from = new DateTimeOffset(date.AddDays(-1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var until = new DateTimeOffset(date.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var nightBefore = PatientCalendar.Format(date.AddDays(-1));
        return Through(session, streamId, throughVersion)
            .Where(e => e.MatchesSql(
                "(d.type = any(?) and coalesce(d.data ->> 'night' = ?, (d.data ->> 'occurredAt')::timestamptz >= ? and (d.data ->> 'occurredAt')::timestamptz < ?))",
                EntryTypes, nightBefore, from, until))
            .ToListAsync();
    }

    // Marten joins a MatchesSql fragment to the other conditions as it is: each fragment above is parenthesised, or its
    // "or" would reach past the stream's condition to every stream.
    private static IQueryable<IEvent> Through(IQuerySession session, Guid streamId, long throughVersion) =>
        session.Events.QueryAllRawEvents().Where(e => e.StreamId == streamId && e.Version <= throughVersion).OrderBy(e => e.Version);
}
