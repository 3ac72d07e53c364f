using EventHealth.Hosting;
using JasperFx.Events;
using Marten;
using Marten.Services.BatchQuerying;

namespace EventHealth.Recording;

/// <summary>
/// A record's version is its stream's: the version of its last event. Reads take it from here (ETags, profiles, exports,
/// history); the record's snapshot document holds none, as it is stored only when its profile changes
/// (<see cref="PatientRecordProjection"/>). An answer's data is read after its version or with it, never before: a
/// client that sends the version back in If-Match has then seen every write up to it.
/// </summary>
public static class RecordVersion
{
    /// <summary>
    /// Queues in <paramref name="batch"/> the record's snapshot with its stream version, from one row as the write path
    /// reads them (<see cref="EventStoreQueries.RecordHeads"/>), so the profile is exactly the version's; null when
    /// there is no record.
    /// </summary>
    public static async Task<EventStoreQueries.RecordHead?> Read(IBatchedQuery batch, IQuerySession session, Guid patientId) =>
        (await EventStoreQueries.RecordHeads(batch, session.TenantId, [patientId])).SingleOrDefault() is { Record: not null } head ? head : null;

    /// <summary>The record's snapshot with its stream version in one round trip; null when there is no record.</summary>
    public static async Task<EventStoreQueries.RecordHead?> ReadAsync(IQuerySession session, Guid patientId, CancellationToken cancellation)
    {
        var batch = session.CreateBatchQuery();
        var head = Read(batch, session, patientId);
        await batch.Execute(cancellation);
        return await head;
    }

    /// <summary>The record's current version (0 when it has no stream).</summary>
    public static async Task<long> CurrentAsync(IQuerySession session, Guid patientId, CancellationToken cancellation) =>
        (await session.Events.FetchStreamStateAsync(patientId, cancellation))?.Version ?? 0;

    /// <summary>The version of a record's events as read, through their last (0 for none).</summary>
    public static long Of(IReadOnlyList<IEvent> events) => events.Count == 0 ? 0 : events[^1].Version;
}
