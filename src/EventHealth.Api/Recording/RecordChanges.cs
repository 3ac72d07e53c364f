using EventHealth.Http;
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

/// <summary>The message every change to a patient's stream travels in; handled only by <see cref="RecordChangeHandler"/>.</summary>
public sealed record RecordChange([property: Identity] Guid PatientId, WriteContext Context, IRecordChange Change)
{
    /// <summary>Wolverine logs a failed attempt with the message's text: ids and the kind of change only, never what it records.</summary>
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
/// The one place a patient's stream is appended to: Wolverine's aggregate handler workflow loads the record for
/// writing (with its version), the change decides, Wolverine appends the returned events and commits them with any
/// outgoing messages in one transaction (its Marten outbox). A concurrent write to the same record makes the commit
/// fail its version check; the declared policy below then runs the whole handler again, so the decision is taken
/// anew against what the other write stored — that is what makes parallel repeats of one entry collapse into one event.
/// </summary>
public static class RecordChangeHandler
{
    /// <summary>
    /// A lost race is retried after a short pause that grows with each attempt (each retry loads the newer record; with
    /// N writers racing, every round stores at least one, so N rounds suffice; Wolverine allows 25 attempts in all). An
    /// enrolment that lost to another enrolment of the same id is retried the same way and then decided against the
    /// record that won.
    /// </summary>
    public static void Configure(HandlerChain chain)
    {
        chain.OnException<ConcurrencyException>()
            .Or<Marten.Exceptions.ExistingStreamIdCollisionException>()
            .Or<JasperFx.Events.ExistingStreamIdCollisionException>()
            .RetryWithCooldown(RetryPauses);
    }

    /// <summary>1, 2, 3 … 24 ms: enough to spread twenty writers to one record, short against a request's budget (300 ms in all).</summary>
    private static readonly TimeSpan[] RetryPauses = [.. Enumerable.Range(1, 24).Select(attempt => TimeSpan.FromMilliseconds(attempt))];

    // [WriteAggregate] on the stream is the whole aggregate handler workflow: adding [AggregateHandler] to the method as well
    // made Wolverine load the record for writing twice per change (two fetches in its generated batch query).
    public static async Task<(RecordWritten, Events, OutgoingMessages)> Handle(
        RecordChange command, [WriteAggregate(Required = false)] IEventStream<PatientRecord> stream, IDocumentSession session, CancellationToken cancellation)
    {
        var messages = new OutgoingMessages();
        var record = stream.Aggregate;
        var version = stream.CurrentVersion ?? 0;
        var change = command.Change;
        if (!change.DecidesWithoutRecord)
        {
            if (record is null)
            {
                return (new RecordWritten(Problems.PatientNotFound(command.PatientId), version, 0, RecordRefusal.Missing), [], messages);
            }

            if (record.Erased)
            {
                // An erased record takes no more facts, whoever writes (docs/erasure.md).
                return (new RecordWritten(Erasure.ErasureConfiguration.Gone(command.PatientId, record.ErasedAt), version, 0, RecordRefusal.Erased), [], messages);
            }
        }

        var recorded = change.EntryIds.Count == 0
            ? new Dictionary<Guid, RecordedEntry>()
            : (await session.LoadManyAsync<RecordedEntry>(cancellation, change.EntryIds.Select(id => RecordedEntry.IdFor(command.PatientId, id)).Distinct().ToArray()))
                .ToDictionary(r => r.EntryId);
        var events = change.ReadsEvents && version > 0
            ? await session.Events.FetchStreamAsync(command.PatientId, version, token: cancellation)
            : [];

        var alerts = change.ReadsAlerts ? await session.LoadAsync<EventHealth.Alerts.RecordAlerts>(command.PatientId, cancellation) : null;

        var decision = change.Decide(new RecordState(command.PatientId, record, version, command.Context, recorded, events, alerts));
        if (decision is Reject reject)
        {
            return (new RecordWritten(reject.Problem, version, 0, RecordRefusal.Rejected), [], messages);
        }

        var append = (Append)decision;
        if (append.Events.Count == 0)
        {
            // A repeat answers with the first answer, whatever version the client expected (idempotency before If-Match).
            return (new RecordWritten(append.Respond(version), version, 0, Outcome: append.Outcome), [], messages);
        }

        if (command.Context.ExpectedVersion is { } expected && expected != version)
        {
            return (new RecordWritten(Problems.StaleVersion(expected, version), version, 0, RecordRefusal.Rejected), [], messages);
        }

        EventMetadata.Stamp(session, command.Context);
        foreach (var message in append.Messages ?? [])
        {
            messages.Add(message);
        }

        var after = version + append.Events.Count;
        return (new RecordWritten(append.Respond(after), after, append.Events.Count, Outcome: append.Outcome), [.. append.Events], messages);
    }
}

/// <summary>How HTTP endpoints hand a change to the write path: If-Match in, the command invoked, ETag and the answer out.</summary>
public static class RecordWrites
{
    public static async Task<IResult> SendAsync(IMessageBus bus, HttpContext http, TimeProvider clock, Guid patientId, IRecordChange change)
    {
        if (!WriteContext.TryParseIfMatch(http.Request, out var expectedVersion))
        {
            return Results.Problem(Problems.Validation("If-Match", "must be a quoted stream version such as \"7\""));
        }

        var tenant = http.RequestServices.GetRequiredService<Sharding.PatientBuckets>().TenantOf(patientId);
        var written = await bus.InvokeForTenantAsync<RecordWritten>(tenant, new RecordChange(patientId, WriteContext.From(http, clock, expectedVersion), change), http.RequestAborted);
        if (written.Refused is null)
        {
            WriteContext.SetETag(http.Response, written.Version);
        }

        return written.Answer;
    }

    /// <summary>A change without an HTTP request (a job, a message handler), through the same path.</summary>
    public static Task<RecordWritten> SendAsync(IMessageBus bus, Sharding.PatientBuckets buckets, Guid patientId, WriteContext context, IRecordChange change, CancellationToken cancellation) =>
        bus.InvokeForTenantAsync<RecordWritten>(buckets.TenantOf(patientId), new RecordChange(patientId, context, change), cancellation);
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

    public static Task<IResult> SendAsync(Guid patientId, EntryRequest request, IMessageBus bus, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(bus, http, clock, patientId, new RecordEntry(request.ToEvent()));
}
