using System.Runtime.CompilerServices;
using EventHealth.Sharding;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Marten.Internal;

namespace EventHealth.Recording;

/// <summary>
/// The record's snapshot (<see cref="PatientRecord"/>), inline, folded by Marten's own aggregator for the type (the one
/// live aggregation and the projection verifier use) and stored when the fold changed it: an entry or a retraction
/// leaves the profile as it was, and rewriting it cost about a tenth of an append (docs/benchmarks.md, issue 23's
/// twenty-second pass). Its revision is the stream version when it was last stored, which the document mapping
/// takes from the stream (<c>UseVersionFromMatchingStream</c>, set in <see cref="RecordingConfiguration"/>); the
/// record's current version is its stream's (<see cref="RecordVersion"/>). What it adds: the write path hands it the
/// records it read for its decisions (<see cref="ReadForWriting"/>), so a commit does not load them again. Marten's inline snapshot reuses only what
/// Marten's own fetch for writing read, and that reads a group's records one bucket per round trip (docs/benchmarks.md,
/// issue 23's nineteenth pass). Events appended by any other session fold onto the snapshot loaded here.
/// </summary>
public sealed class PatientRecordProjection : IProjection
{
    private static readonly ConditionalWeakTable<IDocumentSession, Dictionary<Guid, PatientRecord?>> ReadBySession = new();

    /// <summary>
    /// The records <paramref name="session"/>'s decisions read, by id (null: read, and there is none yet): the ones its
    /// next commit folds its events onto. Used once, by that commit.
    /// </summary>
    public static void ReadForWriting(IDocumentSession session, Dictionary<Guid, PatientRecord?> records) => ReadBySession.AddOrUpdate(session, records);

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var session = operations is ITenantOperations nested ? nested.Parent : (IDocumentSession)operations;
        // Taken, not kept: a later commit of the same session must not fold onto what this one started from.
        ReadBySession.TryGetValue(session, out var read);
        ReadBySession.Remove(session);
        var aggregator = ((IMartenSession)session).Options.Projections.AggregatorFor<PatientRecord>();
        foreach (var stream in events.GroupBy(e => e.StreamId))
        {
            var streamEvents = stream.ToList();
            var bucket = session.InBucket(streamEvents[0].TenantId ?? session.TenantId);
            PatientRecord? snapshot = null;
            if (read is null || !read.TryGetValue(stream.Key, out snapshot))
            {
                snapshot = await bucket.LoadAsync<PatientRecord>(stream.Key, cancellation);
            }

            if (await aggregator.BuildAsync(streamEvents, session, snapshot, cancellation) is { } record && record != snapshot)
            {
                bucket.Store(record);
            }
        }
    }
}
