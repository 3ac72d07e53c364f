using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Marten.Internal;

namespace EventHealth.Recording;

/// <summary>
/// The record's snapshot (<see cref="PatientRecord"/>), inline, folded by Marten's own aggregator for the type (the one
/// live aggregation and the projection verifier use) and stored with the stream version as its revision, as Marten's
/// inline snapshot did. What it adds: the write path hands it the snapshots it read for its decisions
/// (<see cref="ReadForWriting"/>), so a commit does not load them again. Marten's inline snapshot reuses only what Marten's
/// own fetch for writing read, and that reads a group's records one bucket per round trip (docs/benchmarks.md, issue 23's
/// nineteenth pass). Events appended by any other session fold onto the snapshot loaded here.
/// </summary>
public sealed class PatientRecordProjection : IProjection
{
    private static readonly ConditionalWeakTable<IDocumentSession, Dictionary<Guid, PatientRecord>> ReadBySession = new();

    /// <summary>The snapshots <paramref name="session"/>'s decisions read: the ones its commit folds its events onto.</summary>
    public static void ReadForWriting(IDocumentSession session, Dictionary<Guid, PatientRecord> records) => ReadBySession.AddOrUpdate(session, records);

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var session = operations is ITenantOperations nested ? nested.Parent : (IDocumentSession)operations;
        ReadBySession.TryGetValue(session, out var read);
        var aggregator = ((IMartenSession)session).Options.Projections.AggregatorFor<PatientRecord>();
        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            var streamEvents = stream.ToList();
            var tenant = streamEvents[0].TenantId ?? session.TenantId;
            IDocumentOperations bucket = tenant == session.TenantId ? session : session.ForTenant(tenant);
            PatientRecord? snapshot = null;
            if (read is null || !read.TryGetValue(stream.Key, out snapshot))
            {
                snapshot = await bucket.LoadAsync<PatientRecord>(stream.Key, cancellation);
            }

            var record = await aggregator.BuildAsync(streamEvents, session, snapshot, cancellation);
            if (record is null)
            {
                continue;
            }

            // The revision is the stream version, as readers of the record expect; a stale one fails the commit.
            if (snapshot is null)
            {
                bucket.Store(record);
            }
            else
            {
                bucket.UpdateRevision(record, record.Version);
            }
        }
    }
}
