using EventHealth.Http;
using JasperFx;
using Marten;

namespace EventHealth.Recording;

/// <summary>The answer to an entry write: where and when it was stored.</summary>
public sealed record EntryRecorded(Guid PatientId, Guid EntryId, string Type, long Version, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt);

/// <summary>
/// The write path every record change follows: load the record with its version, decide (pure), append with
/// an optimistic version check, and on a lost race decide again against the newer record. Deciding again is
/// what makes parallel retries of one entry collapse into one event.
/// </summary>
public static class EntryWrites
{
    private const int MaxAttempts = 30;

    /// <summary>A decision taken on a loaded record: a problem, or events to append and the answer to give.</summary>
    public abstract record Decision;

    public sealed record Reject(IResult Problem) : Decision;

    /// <param name="Events">Nothing to append means the write was already done (an idempotent repeat).</param>
    /// <param name="Respond">Builds the answer from the stream version after the write.</param>
    public sealed record Append(IReadOnlyList<object> Events, Func<long, IResult> Respond) : Decision;

    /// <summary>The record as loaded for one attempt of a write.</summary>
    /// <param name="Recorded">The entry documents of the entry ids the write named (those already recorded), by entry id.</param>
    public sealed record Loaded(
        IDocumentSession Session, PatientRecord Record, long Version, WriteContext Context, IReadOnlyDictionary<Guid, RecordedEntry> Recorded,
        CancellationToken Cancellation);

    /// <summary>An HTTP write: If-Match in, ETag and the decision's answer (or its problem) out.</summary>
    /// <param name="entryIds">Entries the write names: their index documents are loaded with the record, in one round trip.</param>
    public static async Task<IResult> WriteAsync(
        IDocumentStore store,
        HttpContext http,
        TimeProvider clock,
        Guid patientId,
        Func<Loaded, Task<Decision>> decide,
        IReadOnlyCollection<Guid>? entryIds = null)
    {
        if (!WriteContext.TryParseIfMatch(http.Request, out var expectedVersion))
        {
            return Results.Problem(Problems.Validation("If-Match", "must be a quoted stream version such as \"7\""));
        }

        var outcome = await ExecuteAsync(store, patientId, () => WriteContext.From(http, clock, expectedVersion), decide, entryIds, http.RequestAborted);
        if (outcome.Problem is not null)
        {
            return outcome.Problem;
        }

        WriteContext.SetETag(http.Response, outcome.Version);
        return outcome.Appended!.Respond(outcome.Version);
    }

    /// <summary>
    /// Appends a system fact (a notification sent, a failure) that needs no decision, through the same path, so that
    /// inline projections know the stream version and a lost race is retried rather than failing after the fact happened.
    /// </summary>
    public static Task AppendAsync(IDocumentStore store, Guid patientId, WriteContext context, object @event, CancellationToken cancellation) =>
        ExecuteAsync(store, patientId, () => context, _ => Task.FromResult<Decision>(new Append([@event], _ => Results.Empty)), null, cancellation);

    /// <summary>
    /// A write a scheduled job decides (no HTTP request): the same load, pure decision and optimistic append as an HTTP
    /// write. True when events were appended; false when the decision refused or found nothing to do.
    /// </summary>
    public static async Task<bool> DecideAndAppendAsync(IDocumentStore store, Guid patientId, WriteContext context, Func<Loaded, Task<Decision>> decide, CancellationToken cancellation)
    {
        var outcome = await ExecuteAsync(store, patientId, () => context, decide, null, cancellation);
        return outcome.Problem is null && outcome.Appended is { Events.Count: > 0 };
    }

    /// <param name="Problem">Set when the write was refused; nothing was stored.</param>
    /// <param name="Version">The stream version after the write (or the current one when nothing was appended).</param>
    private sealed record Outcome(IResult? Problem, Append? Appended, long Version);

    private static async Task<Outcome> ExecuteAsync(
        IDocumentStore store, Guid patientId, Func<WriteContext> contextForAttempt, Func<Loaded, Task<Decision>> decide,
        IReadOnlyCollection<Guid>? entryIds, CancellationToken cancellation)
    {
        var entryDocumentIds = entryIds is { Count: > 0 } ? entryIds.Select(id => RecordedEntry.IdFor(patientId, id)).Distinct().ToArray() : [];
        for (var attempt = 1; ; attempt++)
        {
            var context = contextForAttempt();
            await using var session = store.LightweightSession();
            EventMetadata.Stamp(session, context);

            // The record (with its version, for the optimistic append) and the named entries' index documents in one
            // round trip.
            var batch = session.CreateBatchQuery();
            var streamRead = batch.Events.FetchForWriting<PatientRecord>(patientId);
            var entriesRead = entryDocumentIds.Length > 0 ? batch.LoadMany<RecordedEntry>().ById(entryDocumentIds) : null;
            await batch.Execute(cancellation);
            var stream = await streamRead;
            if (stream.Aggregate is null)
            {
                return new Outcome(Problems.PatientNotFound(patientId), null, 0);
            }

            if (stream.Aggregate.Erased)
            {
                // An erased record takes no more facts, whoever writes (docs/erasure.md).
                return new Outcome(Erasure.ErasureConfiguration.Gone(patientId, stream.Aggregate.ErasedAt), null, stream.CurrentVersion ?? 0);
            }

            var recorded = entriesRead is null ? new Dictionary<Guid, RecordedEntry>() : (await entriesRead).ToDictionary(r => r.EntryId);
            var version = stream.CurrentVersion ?? 0;
            var decision = await decide(new Loaded(session, stream.Aggregate, version, context, recorded, cancellation));
            if (decision is Reject reject)
            {
                return new Outcome(reject.Problem, null, version);
            }

            var append = (Append)decision;
            if (append.Events.Count == 0)
            {
                return new Outcome(null, append, version);
            }

            if (context.ExpectedVersion is { } expected && expected != version)
            {
                return new Outcome(Problems.StaleVersion(expected, version), null, version);
            }

            stream.AppendMany(append.Events.ToArray());
            try
            {
                await session.SaveChangesAsync(cancellation);
            }
            catch (ConcurrencyException) when (attempt < MaxAttempts)
            {
                // Another write to this record won the race: decide again against what it stored.
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), cancellation);
                continue;
            }

            return new Outcome(null, append, version + append.Events.Count);
        }
    }

    /// <summary>One entry on its own route: 201 when stored, 200 with the first answer when it is a repeat.</summary>
    public static Task<IResult> RecordSingleAsync(Guid patientId, EntryRequest request, IDocumentStore store, HttpContext http, TimeProvider clock)
    {
        var entry = request.ToEvent();
        return WriteAsync(store, http, clock, patientId, loaded =>
        {
            var decision = Decide(loaded, [entry]);
            if (decision.ConflictIndex is not null)
            {
                return Task.FromResult<Decision>(new Reject(Problems.IdempotencyConflict("entryId", entry.EntryId)));
            }

            var outcome = decision.Outcomes.Single();
            var answer = new EntryRecorded(patientId, outcome.EntryId, outcome.Kind, outcome.Version, outcome.OccurredAt, outcome.RecordedAt);
            return Task.FromResult<Decision>(new Append(decision.NewEvents.ToArray<object>(), _ => outcome.Status == EntryStatus.Created
                ? Results.Json(answer, statusCode: StatusCodes.Status201Created)
                : Results.Ok(answer)));
        }, [entry.EntryId]);
    }

    /// <summary>Decides the entries (pure) against the index documents loaded with the record.</summary>
    public static EntriesDecision Decide(Loaded loaded, IReadOnlyList<IPatientEntry> entries) =>
        RecordingDecisions.DecideEntries(entries, loaded.Recorded, loaded.Version, loaded.Context.Now);
}
