using EventHealth.Http;
using EventHealth.Sharding;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace EventHealth.Recording;

/// <summary>The answer to an entry write: where and when it was stored.</summary>
public sealed record EntryRecorded(Guid PatientId, Guid EntryId, string Type, long Version, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt);

/// <summary>
/// One kind of change to a patient's record: the command's data and its decision. <see cref="Decide"/> is pure — the
/// record as loaded, the command and the server time in; the events to append and the answer out — so that every
/// decision can be unit-tested without a database and re-run unchanged when a concurrent write wins the race.
/// </summary>
public interface IRecordChange
{
    /// <summary>Entries whose index documents (<see cref="RecordedEntry"/>) the decision reads: idempotency, retraction.</summary>
    IReadOnlyCollection<Guid> EntryIds => [];

    /// <summary>Whether the decision reads the stream's events (an analysis, the facts a detection rule sees).</summary>
    bool ReadsEvents => false;

    /// <summary>Whether the decision reads the record's alerts (<see cref="Alerts.RecordAlerts"/>).</summary>
    bool ReadsAlerts => false;

    /// <summary>Whether the change starts a record: decided on a missing or erased record too (enrolment, erasure).</summary>
    bool DecidesWithoutRecord => false;

    RecordDecision Decide(RecordState state);
}

/// <summary>The record as one attempt of a write loaded it.</summary>
/// <param name="Record">Null only for a change that <see cref="IRecordChange.DecidesWithoutRecord"/>.</param>
/// <param name="Recorded">The index documents of the entry ids the change named (those already recorded), by entry id.</param>
/// <param name="Events">The stream's events when the change <see cref="IRecordChange.ReadsEvents"/>; empty otherwise.</param>
/// <param name="Alerts">The record's alerts when the change <see cref="IRecordChange.ReadsAlerts"/> (null: none raised, or not read).</param>
public sealed record RecordState(
    Guid PatientId, PatientRecord? Record, long Version, WriteContext Context,
    IReadOnlyDictionary<Guid, RecordedEntry> Recorded, IReadOnlyList<IEvent> Events, EventHealth.Alerts.RecordAlerts? Alerts = null)
{
    /// <summary>The record, for decisions taken only on an existing record (the write path refused the others).</summary>
    public PatientRecord Existing => Record ?? throw new InvalidOperationException("decided without a record");

    public DateTimeOffset Now => Context.Now;
}

/// <summary>A decision: a problem, or events to append with the answer to give.</summary>
public abstract record RecordDecision;

public sealed record Reject(IResult Problem) : RecordDecision;

/// <param name="Events">Nothing to append means the write was already done (an idempotent repeat) or had nothing to do.</param>
/// <param name="Respond">Builds the answer from the stream version after the write.</param>
/// <param name="Messages">Messages sent in the same transaction (Wolverine's outbox): an alert's emails.</param>
/// <param name="Outcome">What a caller without HTTP learns (a detection run's summary).</param>
public sealed record Append(IReadOnlyList<object> Events, Func<long, IResult> Respond, IReadOnlyList<object>? Messages = null, object? Outcome = null) : RecordDecision
{
    public static Append Facts(params object[] events) => new(events, _ => Results.Empty);
}

/// <summary>A change to one patient's stream as the write path (<see cref="RecordWriter"/>) takes it.</summary>
public sealed record RecordChange(Guid PatientId, WriteContext Context, IRecordChange Change)
{
    /// <summary>Ids and the kind of change only, never what it records, should the text ever reach a log.</summary>
    public override string ToString() => $"RecordChange {{ PatientId = {PatientId}, Change = {Change.GetType().Name}, CorrelationId = {Context.CorrelationId} }}";
}

/// <summary>What became of a change.</summary>
/// <param name="Answer">The decision's answer, or the problem that refused it (nothing stored).</param>
/// <param name="Version">The stream version after the write (or the current one when nothing was appended).</param>
/// <param name="Appended">How many events this write appended.</param>
/// <param name="Refused">Set when nothing was decided: the record is missing or erased.</param>
public sealed record RecordWritten(IResult Answer, long Version, int Appended, RecordRefusal? Refused = null, object? Outcome = null)
{
    public bool Stored => Appended > 0;
}

public enum RecordRefusal
{
    Missing,
    Erased,
    Rejected,
}

/// <summary>
/// A change decided against the record as one attempt of the write path (<see cref="RecordWriter"/>) read it: 404 or 410
/// before any decision, then the change's own pure decision, then If-Match. The events are appended with the version the
/// decision read as the expected one, which the database checks as it appends them (Marten's optimistic append).
/// </summary>
public static class RecordDecider
{
    /// <summary>What one change's decision read.</summary>
    public sealed record Reads(PatientRecord? Record, long Version, IReadOnlyList<RecordedEntry> Recorded, IReadOnlyList<IEvent> Events, EventHealth.Alerts.RecordAlerts? Alerts);

    /// <param name="Version">The stream version the decision was taken on: the events go after it.</param>
    public sealed record Decided(long Version, RecordWritten Written, IReadOnlyList<object> Events, IReadOnlyList<object> Messages);

    /// <summary>
    /// What a group's decisions read, in one round trip whatever the buckets of its records: per bucket, the records'
    /// stream versions with their snapshots, and the named entries' index documents. The snapshots are handed to
    /// <see cref="PatientRecordProjection"/> for the commit. The stream's events or the alerts, which few changes read,
    /// come in a second round trip per bucket when one does.
    /// </summary>
    public static async Task<Reads[]> ReadAsync(IDocumentSession session, IReadOnlyList<(string Tenant, RecordChange Command)> changes, CancellationToken cancellation)
    {
        var batch = session.CreateBatchQuery();
        var headsRead = new List<Task<IReadOnlyList<Hosting.EventStoreQueries.RecordHead>>>();
        var entriesRead = new List<Task<IReadOnlyList<RecordedEntry>>>();
        foreach (var bucket in changes.GroupBy(c => c.Tenant))
        {
            headsRead.Add(Hosting.EventStoreQueries.RecordHeads(batch, bucket.Key, [.. bucket.Select(c => c.Command.PatientId).Distinct()]));
            var entryIds = bucket.SelectMany(c => c.Command.Change.EntryIds.Select(id => RecordedEntry.IdFor(c.Command.PatientId, id))).Distinct().ToArray();
            if (entryIds.Length > 0)
            {
                entriesRead.Add(Hosting.EventStoreQueries.EntryDocuments(batch, bucket.Key, entryIds));
            }
        }

        await batch.Execute(cancellation);
        var heads = new Dictionary<Guid, Hosting.EventStoreQueries.RecordHead>();
        foreach (var read in headsRead)
        {
            foreach (var head in await read)
            {
                heads[head.Id] = head;
            }
        }

        var entries = (await Task.WhenAll(entriesRead)).SelectMany(e => e).ToLookup(e => e.PatientId);
        PatientRecordProjection.ReadForWriting(session, changes.Select(c => c.Command.PatientId).Distinct().ToDictionary(id => id, id => heads.GetValueOrDefault(id)?.Record));

        var events = new Dictionary<Guid, Task<IReadOnlyList<IEvent>>>();
        var alerts = new Dictionary<Guid, Task<EventHealth.Alerts.RecordAlerts?>>();
        foreach (var bucket in changes.Where(c => c.Command.Change.ReadsEvents || c.Command.Change.ReadsAlerts).GroupBy(c => c.Tenant))
        {
            var bucketBatch = session.InBucket(bucket.Key).CreateBatchQuery();
            foreach (var (_, command) in bucket)
            {
                if (command.Change.ReadsEvents && !events.ContainsKey(command.PatientId))
                {
                    events[command.PatientId] = bucketBatch.Events.FetchStream(command.PatientId);
                }

                if (command.Change.ReadsAlerts && !alerts.ContainsKey(command.PatientId))
                {
                    alerts[command.PatientId] = bucketBatch.Load<EventHealth.Alerts.RecordAlerts>(command.PatientId);
                }
            }

            await bucketBatch.Execute(cancellation);
        }

        // A group holds one change per record (CommitGroups), so a record's entry documents are the ones its change named.
        return [.. changes.Select(c =>
        {
            var id = c.Command.PatientId;
            var head = heads.GetValueOrDefault(id);
            return new Reads(head?.Record, head?.Version ?? 0, [.. entries[id]],
                events.TryGetValue(id, out var read) ? read.Result : [],
                alerts.TryGetValue(id, out var alertsRead) ? alertsRead.Result : null);
        })];
    }

    /// <summary>Decides once <see cref="ReadAsync"/> has read.</summary>
    public static Decided Decide(RecordChange command, Reads reads)
    {
        var record = reads.Record;
        var version = reads.Version;
        var change = command.Change;
        if (!change.DecidesWithoutRecord)
        {
            if (record is null)
            {
                return Refused(version, new RecordWritten(Problems.PatientNotFound(command.PatientId), version, 0, RecordRefusal.Missing));
            }

            if (record.Erased)
            {
                // An erased record takes no more facts, whoever writes (docs/erasure.md).
                return Refused(version, new RecordWritten(Erasure.ErasureConfiguration.Gone(command.PatientId, record.ErasedAt), version, 0, RecordRefusal.Erased));
            }
        }

        var recorded = reads.Recorded.ToDictionary(r => r.EntryId);
        // The batch's statements may see a write that landed between them: decide on the events up to the version read
        // (a newer write makes the commit fail its version check, and the change is decided again).
        var events = reads.Events.Where(e => e.Version <= version).ToList();

        var decision = change.Decide(new RecordState(command.PatientId, record, version, command.Context, recorded, events, reads.Alerts));
        if (decision is Reject reject)
        {
            return Refused(version, new RecordWritten(reject.Problem, version, 0, RecordRefusal.Rejected));
        }

        var append = (Append)decision;
        if (append.Events.Count == 0)
        {
            // A repeat answers with the first answer, whatever version the client expected (idempotency before If-Match).
            return new Decided(version, new RecordWritten(append.Respond(version), version, 0, Outcome: append.Outcome), [], []);
        }

        if (command.Context.ExpectedVersion is { } expected && expected != version)
        {
            return Refused(version, new RecordWritten(Problems.StaleVersion(expected, version), version, 0, RecordRefusal.Rejected));
        }

        var after = version + append.Events.Count;
        return new Decided(version, new RecordWritten(append.Respond(after), after, append.Events.Count, Outcome: append.Outcome), append.Events, append.Messages ?? []);
    }

    private static Decided Refused(long version, RecordWritten written) => new(version, written, [], []);
}

/// <summary>How callers hand a change to the write path: If-Match in, the change written (<see cref="RecordWriter"/>), ETag and the answer out.</summary>
public static class RecordWrites
{
    public static async Task<IResult> SendAsync(HttpContext http, TimeProvider clock, Guid patientId, IRecordChange change)
    {
        if (!WriteContext.TryParseIfMatch(http.Request, out var expectedVersion))
        {
            return Results.Problem(Problems.Validation("If-Match", "must be a quoted stream version such as \"7\""));
        }

        var writer = http.RequestServices.GetRequiredService<RecordWriter>();
        var command = new RecordChange(patientId, WriteContext.From(http, clock, expectedVersion), change);
        // The request's access record commits in the same transaction as its events (docs/recording.md).
        var audit = Access.AccessAudit.ForWrite(http, patientId);
        var written = await writer.WriteAsync(command, audit);
        if (audit is not null)
        {
            Access.AccessAudit.MarkWritten(http);
        }

        if (written.Refused is null)
        {
            WriteContext.SetETag(http.Response, written.Version);
        }

        return written.Answer;
    }

    /// <summary>A change without an HTTP request (a job, a message handler), through the same path.</summary>
    public static Task<RecordWritten> SendAsync(RecordWriter writer, Guid patientId, WriteContext context, IRecordChange change) =>
        writer.WriteAsync(new RecordChange(patientId, context, change));
}

/// <summary>Entries decided against the index documents loaded with the record.</summary>
public static class EntryDecisions
{
    public static EntriesDecision Decide(RecordState state, IReadOnlyList<IPatientEntry> entries) =>
        RecordingDecisions.DecideEntries(entries, state.Recorded, state.Version, state.Now);
}

/// <summary>One entry on its own route: 201 when stored, 200 with the first answer when it is a repeat.</summary>
public sealed record RecordEntry(IPatientEntry Entry) : IRecordChange
{
    public IReadOnlyCollection<Guid> EntryIds => [Entry.EntryId];

    public RecordDecision Decide(RecordState state)
    {
        var decision = EntryDecisions.Decide(state, [Entry]);
        if (decision.ConflictIndex is not null)
        {
            return new Reject(Problems.IdempotencyConflict("entryId", Entry.EntryId));
        }

        var outcome = decision.Outcomes.Single();
        var answer = new EntryRecorded(state.PatientId, outcome.EntryId, outcome.Kind, outcome.Version, outcome.OccurredAt, outcome.RecordedAt);
        return new Append(decision.NewEvents.ToArray<object>(), _ => outcome.Status == EntryStatus.Created
            ? Results.Json(answer, statusCode: StatusCodes.Status201Created)
            : Results.Ok(answer));
    }

    public static Task<IResult> SendAsync(Guid patientId, EntryRequest request, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new RecordEntry(request.ToEvent()));
}
