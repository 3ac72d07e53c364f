using EventHealth.Sharding;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace EventHealth.Daily;

/// <summary>
/// The daily summaries' async projection: per record, the fold state (<see cref="PatientDays"/>) and one document per
/// local month (<see cref="PatientMonth"/>). A batch loads its records' fold states in one query, folds their events
/// into day changes, loads only the months those changes reach in a second, and stores what changed: a diary's years
/// are no longer rewritten by each append (docs/read-side.md, "What a long calendar costs"). Marten's aggregation
/// keeps one document per stream, which is what this replaces; the fold itself is the same code the verified rebuild
/// runs (<see cref="Projections.ProjectionVerifier"/>).
/// </summary>
public sealed class DailySummariesProjection : IProjection
{
    /// <summary>The projection's name, as the daemon's progress and its agents know it (kept from the snapshot it replaced).</summary>
    public const string Name = "PatientDays";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        // A record lives in one bucket (tenant): each bucket's documents are written through its own operations.
        foreach (var bucket in events.GroupBy(e => e.TenantId))
        {
            var documents = operations.InBucket(bucket.Key);
            await ApplyAsync(documents, bucket.GroupBy(e => e.StreamId).ToList(), cancellation);
        }
    }

    private static async Task ApplyAsync(IDocumentOperations documents, List<IGrouping<Guid, IEvent>> streams, CancellationToken cancellation)
    {
        var stored = (await documents.LoadManyAsync<PatientDays>(cancellation, streams.Select(s => s.Key))).ToDictionary(d => d.Id);
        var changes = new List<(Guid PatientId, IReadOnlyList<DayChange> Changes)>(streams.Count);
        foreach (var stream in streams)
        {
            var days = stored.GetValueOrDefault(stream.Key) ?? new PatientDays { Id = stream.Key };
            days.TakeStoredTallies();
            foreach (var @event in stream.OrderBy(e => e.Version))
            {
                await days.FoldAsync(@event, documents);
            }

            documents.Store(days);
            changes.Add((stream.Key, days.TakeChanges()));
        }

        var reached = changes.SelectMany(c => c.Changes.Select(change => PatientMonth.IdFor(c.PatientId, PatientMonth.MonthOf(change.Day))))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (reached.Length == 0)
        {
            return;
        }

        var months = (await documents.LoadManyAsync<PatientMonth>(cancellation, reached)).ToDictionary(m => m.Id, StringComparer.Ordinal);
        foreach (var (patientId, dayChanges) in changes)
        {
            foreach (var month in PatientMonth.ApplyAll(months, patientId, dayChanges))
            {
                if (month.IsEmpty)
                {
                    documents.Delete(month);
                }
                else
                {
                    documents.Store(month);
                }
            }
        }
    }
}
