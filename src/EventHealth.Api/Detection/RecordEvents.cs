using JasperFx.Events;
using Marten;

namespace EventHealth.Detection;

/// <summary>Reads the events of many records in one query: folded into their facts for the detection run, whole for the backtest.</summary>
public static class RecordEvents
{
    /// <summary>Each record's events in version order, records in the order of <paramref name="patientIds"/>, all of one bucket.</summary>
    public static async Task<IReadOnlyList<(Guid PatientId, IReadOnlyList<IEvent> Events)>> LoadAsync(Sharding.TenantSessions sessions, string bucket, IReadOnlyCollection<Guid> patientIds, CancellationToken cancellation)
    {
        await using var query = sessions.QueryForTenant(bucket);
        var events = await InSequence(query, patientIds).ToListAsync(cancellation);
        var byStream = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => (IReadOnlyList<IEvent>)g.ToList());
        return patientIds.Where(byStream.ContainsKey).Select(id => (id, byStream[id])).ToList();
    }

    /// <summary>
    /// Each record's facts (<see cref="RecordFacts"/>), folded from its events as they arrive from one query; records in
    /// the order of <paramref name="patientIds"/>, all of one bucket, those without events left out. Only the facts are
    /// kept, never the events: a detection sweep that held every event of a batch of records took the API to 600 MB when
    /// a bucket held a record of 100,000 events (docs/benchmarks.md, issue 23's sixth pass).
    /// Only the events the facts evaluated at <paramref name="evaluatedAt"/> can depend on are read
    /// (<see cref="Hosting.EventStoreQueries.DetectionEventsAsync"/>): the entries of the days any rule's window can
    /// reach and those that start observation, not a record's years (docs/detection.md).
    /// </summary>
    public static async Task<IReadOnlyList<RecordFacts>> FoldAsync(Sharding.TenantSessions sessions, Hosting.EventStoreQueries queries, string bucket, IReadOnlyCollection<Guid> patientIds, DateTimeOffset evaluatedAt, CancellationToken cancellation)
    {
        await using var query = sessions.QueryForTenant(bucket);
        var folders = new Dictionary<Guid, RecordFactsFolder>();
        await foreach (var @event in queries.DetectionEventsAsync(query, patientIds, EntriesFrom(evaluatedAt), cancellation))
        {
            if (!folders.TryGetValue(@event.StreamId, out var folder))
            {
                folders[@event.StreamId] = folder = new RecordFactsFolder(@event.StreamId);
            }

            folder.Apply(@event);
        }

        return patientIds.Where(folders.ContainsKey).Select(id => folders[id].Facts()).ToList();
    }

    /// <summary>
    /// The earliest instant an entry on a day of the longest window can have: the window's first local day is
    /// <see cref="DetectionDecisions.LongestWindowDays"/> − 1 days before the patient's today, which is at most a day
    /// before the UTC date, and a local day starts at most 14 hours before its UTC date does; a day more for margin.
    /// </summary>
    public static DateTimeOffset EntriesFrom(DateTimeOffset evaluatedAt) => evaluatedAt.AddDays(-(DetectionDecisions.LongestWindowDays + 3));

    /// <summary>The records' events in the order they were appended (so each record's in version order): one query.</summary>
    private static IQueryable<IEvent> InSequence(IQuerySession query, IReadOnlyCollection<Guid> patientIds) =>
        query.Events.QueryAllRawEvents().Where(e => patientIds.Contains(e.StreamId)).OrderBy(e => e.Sequence);
}
