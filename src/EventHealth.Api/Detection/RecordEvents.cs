using JasperFx.Events;
using Marten;

namespace EventHealth.Detection;

/// <summary>Reads the events of many records in one query, for the detection run and the backtest.</summary>
public static class RecordEvents
{
    /// <summary>Each record's events in version order, records in the order of <paramref name="patientIds"/>, all of one bucket.</summary>
    public static async Task<IReadOnlyList<(Guid PatientId, IReadOnlyList<IEvent> Events)>> LoadAsync(Sharding.TenantSessions sessions, string bucket, IReadOnlyCollection<Guid> patientIds, CancellationToken cancellation)
    {
        await using var query = sessions.QueryForTenant(bucket);
        var events = await query.Events.QueryAllRawEvents()
            .Where(e => patientIds.Contains(e.StreamId))
            .OrderBy(e => e.Sequence)
            .ToListAsync(cancellation);
        var byStream = events.GroupBy(e => e.StreamId).ToDictionary(g => g.Key, g => (IReadOnlyList<IEvent>)g.ToList());
        return patientIds.Where(byStream.ContainsKey).Select(id => (id, byStream[id])).ToList();
    }
}
