using System.Threading.Channels;

namespace EventHealth.Hosting;

/// <summary>
/// Group commit's gathering, for the two places that commit what requests wait on: the write path
/// (<see cref="Recording.RecordWriter"/>) and the access audit of reads (<see cref="Access.AccessAuditWriter"/>). A
/// group is whatever is queued when a commit slot is free, at most <c>maxGroup</c>: while the groups in flight commit,
/// the next gathers, and a lone item commits at once (a group of one), so nothing waits for a timer.
/// </summary>
public static class CommitGroups
{
    /// <summary>
    /// Gathers <paramref name="queue"/> into groups and hands each to <paramref name="commit"/>, at most
    /// <paramref name="groupsInFlight"/> at a time, until the queue is completed and empty. With
    /// <paramref name="oneEach"/>, a group takes one item per key, and none of a key that a group in flight holds: a
    /// second item of a key waits for a later group, ahead of anything queued after it, so items of one key are
    /// committed one group after another, in order, and two groups in flight never share a key. <paramref name="commit"/>
    /// answers every item of its group, whatever happens.
    /// <para>Nothing is left waiting for ever: a commit that throws (it should not) has its group answered by
    /// <paramref name="fail"/>, and a fault in the gathering itself (a bug, such as the one the shard-down scenario of
    /// <c>ops/faults</c> found) fails what is waiting, lets the groups in flight finish, and starts again with nothing held.
    /// Callers get an error instead of a hang, and later items are gathered as before. <paramref name="fail"/> is given at least
    /// one item; it must answer only items not answered yet (as <c>TrySetException</c> does) and must not throw.</para>
    /// </summary>
    public static async Task RunAsync<T>(ChannelReader<T> queue, int maxGroup, Func<T, Guid>? oneEach, Func<List<T>, Task> commit,
        Action<IReadOnlyList<T>, Exception> fail, int groupsInFlight = 1, CancellationToken cancellation = default)
    {
        var waiting = new List<T>();
        // A list, not a dictionary by task: a commit that finishes without awaiting returns the runtime's one shared
        // completed task, so two groups in flight can have the same task.
        var inFlight = new List<(Task Commit, HashSet<Guid> Keys)>();
        var busyKeys = new HashSet<Guid>();
        // A single-reader channel allows one wait at a time: the pending one is kept until it completes.
        Task<bool>? arrival = null;
        var open = true;
        while (true)
        {
            try
            {
                while (queue.TryRead(out var item))
                {
                    waiting.Add(item);
                }

                if (inFlight.Count < groupsInFlight && Gather(waiting, maxGroup, oneEach, busyKeys) is { } next)
                {
                    var (group, keys, held) = next;
                    waiting = held;
                    busyKeys.UnionWith(keys);
                    inFlight.Add((Answered(group), keys));
                    continue;
                }

                if (!open && waiting.Count == 0 && inFlight.Count == 0)
                {
                    return;
                }

                // A group finishing frees a slot and its keys; an arrival matters only while a slot is free.
                if (open)
                {
                    arrival ??= queue.WaitToReadAsync(cancellation).AsTask();
                }

                var watched = inFlight.ConvertAll(group => group.Commit);
                if (inFlight.Count < groupsInFlight && arrival is not null)
                {
                    watched.Add(arrival);
                }

                var finished = await Task.WhenAny(watched);
                if (finished == arrival)
                {
                    arrival = null;
                    if (!finished.IsCompletedSuccessfully)
                    {
                        // Cancelled: the groups in flight finish answering before the loop ends.
                        await Task.WhenAll(inFlight.Select(group => group.Commit));
                    }

                    open = await (Task<bool>)finished;
                }
                else
                {
                    var done = inFlight.FindIndex(group => group.Commit == finished);
                    busyKeys.ExceptWith(inFlight[done].Keys);
                    inFlight.RemoveAt(done);
                    await finished;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                FailWaiting(e);
                waiting = [];
                // Answered commits never throw; each answers its own group.
                await Task.WhenAll(inFlight.Select(group => group.Commit));
                inFlight.Clear();
                busyKeys.Clear();
                if (arrival is { IsCompleted: true })
                {
                    // A queue completed with an error has nothing more to give.
                    open &= arrival.IsCompletedSuccessfully;
                    arrival = null;
                }
            }
            catch (OperationCanceledException e)
            {
                // Stopping: what waits is answered, not left behind.
                FailWaiting(e);
                throw;
            }
        }

        void FailWaiting(Exception e)
        {
            if (waiting.Count > 0)
            {
                fail(waiting, e);
            }
        }

        async Task Answered(List<T> group)
        {
            try
            {
                await commit(group);
            }
            catch (Exception e)
            {
                fail(group, e);
            }
        }
    }

    /// <summary>
    /// The next group from <paramref name="waiting"/> (in order), the keys it holds, and what stays waiting; null when
    /// nothing can go now (nothing waits, or every waiting item's key is in a group in flight).
    /// </summary>
    private static (List<T> Group, HashSet<Guid> Keys, List<T> Held)? Gather<T>(List<T> waiting, int maxGroup, Func<T, Guid>? oneEach, HashSet<Guid> busyKeys)
    {
        var group = new List<T>(Math.Min(maxGroup, waiting.Count));
        var keys = new HashSet<Guid>();
        var held = new List<T>();
        foreach (var item in waiting)
        {
            if (group.Count < maxGroup && (oneEach is null || (!busyKeys.Contains(oneEach(item)) && keys.Add(oneEach(item)))))
            {
                group.Add(item);
            }
            else
            {
                held.Add(item);
            }
        }

        return group.Count > 0 ? (group, keys, held) : null;
    }
}
