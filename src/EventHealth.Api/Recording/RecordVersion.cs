using JasperFx.Events;
using Marten;

namespace EventHealth.Recording;

/// <summary>
/// A record's version is its stream's: the version of its last event. Reads take it from here (ETags, profiles, exports,
/// history); the record's snapshot document holds none, as it is stored only when its profile changes
/// (<see cref="PatientRecordProjection"/>). Writes take it from the stream in the same read as their record
/// (<see cref="Hosting.EventStoreQueries.RecordHeads"/>).
/// </summary>
public static class RecordVersion
{
    /// <summary>The record's current version (0 when it has no stream).</summary>
    public static async Task<long> CurrentAsync(IQuerySession session, Guid patientId, CancellationToken cancellation) =>
        (await session.Events.FetchStreamStateAsync(patientId, cancellation))?.Version ?? 0;

    /// <summary>The version of a record read whole, as of its last event read (0 for none).</summary>
    public static long Of(IReadOnlyList<IEvent> events) => events.Count == 0 ? 0 : events[^1].Version;
}
