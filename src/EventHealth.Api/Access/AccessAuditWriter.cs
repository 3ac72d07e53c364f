using System.Threading.Channels;
using Marten;

namespace EventHealth.Access;

/// <summary>
/// Group commit for the access audit. Every request waits until its record is committed (the answer is held until
/// then), but the records of requests that finish at the same moment share one transaction: while one group commits,
/// the next gathers. Under load this turns one commit per request into one per group, with the same guarantee; a
/// lone request still commits at once (a group of one), so nothing waits for a timer.
/// A failed group fails every request in it (each answers 503), none is reported written that was not.
/// </summary>
public sealed class AccessAuditWriter(Sharding.TenantSessions sessions, ILogger<AccessAuditWriter> logger) : BackgroundService
{
    /// <summary>Two groups in flight: one commits (waiting on the disk) while the other is sent.</summary>
    private const int GroupsInFlight = 2;

    /// <summary>Bounds one transaction's size; beyond it the next group takes the rest.</summary>
    private const int MaxGroup = 256;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    private sealed record Pending(AccessRecord Record, TaskCompletionSource Written);

    /// <summary>Completes when <paramref name="record"/> is committed; throws when its group could not be.</summary>
    public Task WriteAsync(AccessRecord record)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            pending.Written.SetException(new InvalidOperationException("The access audit is shutting down."));
        }

        return pending.Written.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => WriteGroupsAsync(stoppingToken);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests already answered with their records in flight finish; anything arriving later is refused (503).
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteGroupsAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Hosting.CommitGroups.RunAsync(_queue.Reader, MaxGroup, oneEach: null, CommitAsync, Fail, GroupsInFlight, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops: whatever is still queued is refused below.
        }

        while (_queue.Reader.TryRead(out var left))
        {
            left.Written.TrySetException(new OperationCanceledException("The access audit stopped before this record was written."));
        }
    }

    /// <summary>Answers records the gathering could not commit (a shard database's address not to be had, a stop).</summary>
    private void Fail(IReadOnlyList<Pending> records, Exception e)
    {
        if (e is not OperationCanceledException)
        {
            logger.LogError("The access audit failed {Count} records and carries on: {Exception}", records.Count, Hosting.UnhandledErrors.Describe(e));
        }

        foreach (var pending in records)
        {
            pending.Written.TrySetException(e);
        }
    }

    /// <summary>
    /// A record belongs to its patient's bucket (<see cref="Sharding.PatientBuckets.CommonTenant"/> when it names none). A
    /// group commits once per shard database, concurrently: one shard down fails only its own requests.
    /// </summary>
    private async Task CommitAsync(List<Pending> group)
    {
        var byTenant = group.GroupBy(p => p.Record.PatientId is { } id ? sessions.Buckets.TenantOf(id) : Sharding.PatientBuckets.CommonTenant);
        var byDatabase = new Dictionary<string, List<(string Tenant, List<Pending> Records)>>();
        foreach (var tenant in byTenant)
        {
            var database = await sessions.DatabaseOfAsync(tenant.Key);
            if (!byDatabase.TryGetValue(database, out var tenants))
            {
                byDatabase[database] = tenants = [];
            }

            tenants.Add((tenant.Key, tenant.ToList()));
        }

        await Task.WhenAll(byDatabase.Values.Select(CommitAsync));
    }

    private async Task CommitAsync(List<(string Tenant, List<Pending> Records)> tenants)
    {
        var group = tenants.SelectMany(t => t.Records).ToList();
        try
        {
            await using var session = sessions.WriteForTenant(tenants[0].Tenant);
            // One statement for the group's records, each in its bucket (Marten's Insert would send one per record).
            Hosting.EventStoreQueries.QueueDocuments(session, AccessAuditGuard.Table,
                [.. tenants.SelectMany(t => t.Records.Select(p => (t.Tenant, p.Record.Id, p.Record)))], replace: false);

            // Not cancelled by the host stopping: a group that started commits, so its requests get their answers.
            await session.SaveChangesAsync(CancellationToken.None);
            foreach (var pending in group)
            {
                pending.Written.TrySetResult();
            }
        }
        catch (Exception e)
        {
            logger.LogDebug("An access audit group of {Count} could not be committed ({Type})", group.Count, e.GetType().Name);
            foreach (var pending in group)
            {
                pending.Written.TrySetException(e);
            }
        }
    }
}
