using System.Threading.Channels;

namespace EventHealth.Hosting;

/// <summary>
/// Group commit's gathering, for the two places that commit what requests wait on: the write path
/// (<see cref="Recording.RecordWriter"/>) and the access audit of reads (<see cref="Access.AccessAuditWriter"/>). A
/// group is whatever is queued when the previous group's commit has finished, at most <c>maxGroup</c>: while one group
/// commits, the next gathers, and a lone item commits at once (a group of one), so nothing waits for a timer.
/// </summary>
public static class CommitGroups
{
    /// <summary>
    /// Gathers <paramref name="queue"/> into groups and hands each to <paramref name="commit"/>, one at a time, until
    /// the queue is completed and empty. With <paramref name="oneEach"/>, a group takes one item per key: a second item
    /// of a key already in the group waits for the next group, ahead of anything queued after it, so items of one key
    /// are committed one group after another, in order. <paramref name="commit"/> answers every item of its group,
    /// whatever happens; it must not throw, or this loop ends with the items it holds unanswered.
    /// </summary>
    public static async Task RunAsync<T>(ChannelReader<T> queue, int maxGroup, Func<T, Guid>? oneEach, Func<List<T>, Task> commit,
        CancellationToken cancellation = default)
    {
        var carried = new List<T>();
        while (carried.Count > 0 || await queue.WaitToReadAsync(cancellation))
        {
            var group = new List<T>(maxGroup);
            var keys = new HashSet<Guid>();
            var waiting = carried;
            carried = [];
            foreach (var item in waiting)
            {
                Take(item);
            }

            while (group.Count < maxGroup && queue.TryRead(out var item))
            {
                Take(item);
            }

            if (group.Count > 0)
            {
                await commit(group);
            }

            void Take(T item)
            {
                if (group.Count < maxGroup && (oneEach is null || keys.Add(oneEach(item))))
                {
                    group.Add(item);
                }
                else
                {
                    carried.Add(item);
                }
            }
        }
    }
}
