using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using EventHealth.Sharding;
using JasperFx;
using JasperFx.Events;
using Marten;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Runtime;

namespace EventHealth.Recording;

/// <summary>
/// The one place a patient's stream is appended to, with group commit. Changes that arrive together for records on the
/// same shard database are decided and committed in one transaction: while one group commits, the next gathers, so a
/// lone change still commits at once (a group of one) and under load one commit serves many requests. Each change keeps
/// its own outcome (a 404, 409, 410, 412 or validation problem is decided before the commit and stores nothing), its
/// own event metadata (correlation id, actor, client, recordedAt on each event, not on the session), and its request's
/// access record joins the same transaction, so no answer leaves before both are durable.
/// Wolverine's batched handlers cannot answer an HTTP request, hence this component (docs/recording.md).
/// </summary>
public sealed class RecordWriter(
    Sharding.TenantSessions sessions, Hosting.EventStoreQueries queries, IWolverineRuntime wolverine, TimeProvider clock, ILogger<RecordWriter> logger) : IHostedService
{
    /// <summary>Bounds one transaction; beyond it the next group takes the rest.</summary>
    public const int MaxGroup = 64;

    /// <summary>
    /// Groups in flight per database: while one waits for its commit to reach the disk, the other loads, decides and
    /// sends. A group holds no record that a group in flight holds (<see cref="Hosting.CommitGroups"/>), so a record's
    /// changes stay in order. One queue per database with two groups in flight makes groups several times larger than
    /// four queues split by record did, for less CPU per change (docs/benchmarks.md, issue 23's ninth pass).
    /// </summary>
    public const int GroupsInFlight = 2;

    /// <summary>
    /// A group that lost a race (another node appended to one of its records first) is decided again after a pause that
    /// grows with each attempt: 1, 2 … 24 ms, short against a request's budget (300 ms in all).
    /// </summary>
    private static readonly TimeSpan[] RetryPauses = [.. Enumerable.Range(1, 24).Select(attempt => TimeSpan.FromMilliseconds(attempt))];

    private readonly ConcurrentDictionary<string, Lazy<DatabaseQueue>> _queues = new();
    private volatile bool _stopping;

    /// <param name="Trace">The caller's span: the group's span is its child (the first change's) or links to it (the others).</param>
    private sealed record Pending(string Tenant, RecordChange Command, Func<int, Access.AccessRecord>? Audit, ActivityContext Trace, TaskCompletionSource<RecordWritten> Written);

    private sealed record DatabaseQueue(Channel<Pending> Changes, Task Committing);

    /// <summary>
    /// Completes with the change's outcome once it is committed (or refused, storing nothing); throws when it could not
    /// be committed, e.g. its database is down. <paramref name="audit"/> builds the request's access record from the
    /// answer's status; it is committed with the events.
    /// </summary>
    public async Task<RecordWritten> WriteAsync(RecordChange command, Func<int, Access.AccessRecord>? audit = null)
    {
        var tenant = sessions.Buckets.TenantOf(command.PatientId);
        var pending = new Pending(tenant, command, audit, Activity.Current?.Context ?? default, new TaskCompletionSource<RecordWritten>(TaskCreationOptions.RunContinuationsAsynchronously));
        var database = await sessions.DatabaseOfAsync(tenant);
        var queue = _queues.GetOrAdd(database, _ => new Lazy<DatabaseQueue>(StartQueue)).Value;
        if (_stopping || !queue.Changes.Writer.TryWrite(pending))
        {
            throw new OperationCanceledException("The write path is shutting down.");
        }

        return await pending.Written.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Changes already queued are committed and answered; later ones are refused (the host is going away).
        _stopping = true;
        foreach (var queue in _queues.Values.Select(q => q.Value))
        {
            queue.Changes.Writer.TryComplete();
        }

        await Task.WhenAll(_queues.Values.Select(q => q.Value.Committing)).WaitAsync(cancellationToken);
    }

    private DatabaseQueue StartQueue()
    {
        var changes = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        // The loop serves every later request: it must not run in the context (span, log scopes) of the one that started it.
        using (ExecutionContext.SuppressFlow())
        {
            // A second change to a record in a group waits for a later one: it must be decided against the first.
            return new DatabaseQueue(changes, Task.Run(() =>
                Hosting.CommitGroups.RunAsync(changes.Reader, MaxGroup, oneEach: pending => pending.Command.PatientId, CommitAsync, Fail, GroupsInFlight)));
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        // Records in one order in every group, so that two groups (two nodes) lock stream rows in the same order and
        // never wait on each other in a cycle.
        group.Sort((a, b) => a.Command.PatientId.CompareTo(b.Command.PatientId));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var outcomes = await DecideAndCommitAsync(group);
                Hosting.EventHealthTelemetry.WriteGroupCommitted(group.Count);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Written.TrySetResult(outcomes[i]);
                }

                return;
            }
            catch (Exception e) when (LostRace(e) && attempt < RetryPauses.Length)
            {
                Hosting.EventHealthTelemetry.WriteGroupLostRace();
                await Task.Delay(RetryPauses[attempt], clock);
            }
            catch (Exception e) when (EventSequenceBehind(e) && attempt < RetryPauses.Length)
            {
                // Nothing was stored: the group is decided again once the sequence is past the stored events.
                if (await CatchUpEventSequenceAsync(group[0].Tenant) is { } failure)
                {
                    Answer(group, failure);
                    return;
                }
            }
            catch (Exception e) when (group.Count > 1 && !Hosting.DatabaseUnavailable.Is(e))
            {
                // Something in the group the database refused: commit each change alone so that it fails only its own.
                logger.LogDebug("A write group of {Count} failed ({Type}); committing its changes one by one", group.Count, e.GetType().Name);
                foreach (var pending in group)
                {
                    await CommitAsync([pending]);
                }

                return;
            }
            catch (Exception e)
            {
                Answer(group, e);
                return;
            }
        }
    }

    private static void Answer(List<Pending> group, Exception failure)
    {
        foreach (var pending in group)
        {
            pending.Written.TrySetException(failure);
        }
    }

    /// <summary>
    /// An event got a sequence number a stored event already has: after a PostgreSQL crash the recovered sequence can be
    /// behind the tombstones Marten wrote for a commit that failed (see <see cref="Hosting.EventStoreQueries.CatchUpEventSequenceAsync"/>).
    /// </summary>
    private static bool EventSequenceBehind(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation, ConstraintName: "pkey_mt_events_seq_id" })
            {
                return true;
            }
        }

        return false;
    }

    /// <returns>Null once the sequence is past the stored events; the failure when the database could not be asked.</returns>
    private async Task<Exception?> CatchUpEventSequenceAsync(string tenant)
    {
        try
        {
            var moved = await queries.CatchUpEventSequenceAsync(tenant, CancellationToken.None);
            logger.LogWarning("An event got a sequence number already stored (bucket {Tenant}); the event sequence {Outcome}, and the write group is decided again",
                tenant, moved ? "was moved past the stored events" : "had already moved on");
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Answers changes the gathering could not commit (see <see cref="Hosting.CommitGroups.RunAsync"/>): never expected.</summary>
    private void Fail(IReadOnlyList<Pending> changes, Exception e)
    {
        logger.LogError("The write queue failed {Count} changes and carries on: {Exception}", changes.Count, Hosting.UnhandledErrors.Describe(e));
        foreach (var pending in changes)
        {
            pending.Written.TrySetException(e);
        }
    }

    private static bool LostRace(Exception e) =>
        e is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException;

    /// <summary>One transaction for the group: each record loaded for writing, each change decided, then one commit.</summary>
    private async Task<RecordWritten[]> DecideAndCommitAsync(List<Pending> group)
    {
        // Not cancelled by a caller going away or the host stopping: a group that started commits, so its answers are true.
        var cancellation = CancellationToken.None;
        using var span = Hosting.EventHealthTelemetry.Source.StartActivity(
            ActivityKind.Internal, group[0].Trace, links: [.. group.Skip(1).Where(p => p.Trace != default).Select(p => new ActivityLink(p.Trace))], name: "record write group");
        span?.SetTag("eventhealth.write.group.size", group.Count);
        await using var session = sessions.WriteForTenant(group[0].Tenant);
        MartenOutbox? outbox = null;

        // What the decisions read: one round trip for the whole group, whatever its buckets.
        var reads = await RecordDecider.ReadAsync(session, [.. group.Select(p => (p.Tenant, p.Command))], cancellation);

        var outcomes = new RecordWritten[group.Count];
        var accessRecords = new List<(string Tenant, Guid Id, Access.AccessRecord Record)>(group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            var (tenant, command, audit, trace, _) = group[i];
            var operations = session.InBucket(tenant);
            var decided = RecordDecider.Decide(command, reads[i]);
            if (decided.Events.Count > 0)
            {
                var events = decided.Events.Select(data => (object)Stamped(operations.Events.BuildEvent(data), command.Context)).ToArray();
                if (decided.Version == 0)
                {
                    operations.Events.StartStream<PatientRecord>(command.PatientId, events);
                }
                else
                {
                    // The version the decision read, checked by the database as the events are appended: a write that
                    // got there first fails the group, which is decided again.
                    operations.Events.Append(command.PatientId, decided.Version + events.Length, events);
                }
            }

            if (decided.Messages.Count > 0)
            {
                // Messages continue the trace of the change that caused them.
                using var sending = i == 0 ? null : Hosting.EventHealthTelemetry.Source.StartActivity("record write messages", ActivityKind.Internal, trace);
                outbox ??= new MartenOutbox(wolverine, session);
                foreach (var message in decided.Messages)
                {
                    await outbox.SendAsync(message, new DeliveryOptions { TenantId = tenant });
                }
            }

            if (audit is not null)
            {
                var record = audit(StatusOf(decided.Written.Answer));
                accessRecords.Add((tenant, record.Id, record));
            }

            outcomes[i] = decided.Written;
        }

        // The group's access records in one statement, each in its bucket.
        Hosting.EventStoreQueries.QueueDocuments(session, Access.AccessAuditGuard.Table, accessRecords, replace: false);

        await session.SaveChangesAsync(cancellation);
        return outcomes;
    }

    /// <summary>
    /// The request's metadata on the event itself: Marten stamps the session's metadata only on events that carry none,
    /// and a group's session serves many requests.
    /// </summary>
    private static IEvent Stamped(IEvent @event, Http.WriteContext context)
    {
        @event.CorrelationId = context.CorrelationId;
        @event.UserName = context.Actor;
        @event.SetHeader(EventMetadata.ClientIdHeader, context.ClientId);
        @event.SetHeader(EventMetadata.RecordedAtHeader, context.Now.ToString("O", CultureInfo.InvariantCulture));
        return @event;
    }

    private static int StatusOf(IResult answer) => (answer as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
}
