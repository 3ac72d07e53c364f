using System.Threading.Channels;
using EventHealth.Hosting;

namespace EventHealth.UnitTests.Hosting;

/// <summary>Group commit's gathering (<see cref="CommitGroups"/>): what makes a group, and what waits for the next.</summary>
public sealed class CommitGroupsTests
{
    private sealed record Item(string Name, Guid Key);

    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid();

    /// <summary>The failure callback where no commit may fail: a call fails the loop, and so the test.</summary>
    private static void NoneFail(IReadOnlyList<Item> items, Exception e) => throw new InvalidOperationException("A commit failed unexpectedly", e);

    /// <summary>A new queue holding <paramref name="items"/>, completed unless <paramref name="complete"/> is false.</summary>
    private static Channel<Item> Queued(Item[] items, bool complete = true)
    {
        var queue = Channel.CreateUnbounded<Item>();
        foreach (var item in items)
        {
            queue.Writer.TryWrite(item).ShouldBeTrue();
        }

        if (complete)
        {
            queue.Writer.Complete();
        }

        return queue;
    }

    /// <summary>A loop over a new queue whose commits are recorded (as item names) and, while <see cref="Gate"/> is closed, held.</summary>
    private sealed class Loop
    {
        private readonly Channel<Item> queue = Channel.CreateUnbounded<Item>();
        private readonly Channel<bool> commitsStarted = Channel.CreateUnbounded<bool>();

        public List<string[]> Groups { get; } = [];
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Running { get; private set; } = Task.CompletedTask;

        public Loop Queue(params Item[] items)
        {
            foreach (var item in items)
            {
                queue.Writer.TryWrite(item).ShouldBeTrue();
            }

            return this;
        }

        public Loop Start(int maxGroup, bool oneEach, int groupsInFlight = 1)
        {
            Running = Task.Run(() => CommitGroups.RunAsync(queue.Reader, maxGroup, oneEach ? item => item.Key : null, async group =>
            {
                lock (Groups)
                {
                    Groups.Add([.. group.Select(item => item.Name)]);
                }

                commitsStarted.Writer.TryWrite(true);
                await Gate.Task;
            }, NoneFail, groupsInFlight));
            return this;
        }

        /// <summary>Waits until <paramref name="count"/> more commits have started (the gate still closed).</summary>
        public async Task CommitsStarted(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await commitsStarted.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }

        /// <summary>Completes the queue, opens the gate and waits for the loop to have committed everything.</summary>
        public async Task<List<string[]>> FinishAsync()
        {
            queue.Writer.Complete();
            Gate.TrySetResult();
            await Running.WaitAsync(TimeSpan.FromSeconds(10));
            return Groups;
        }
    }

    [Fact]
    public async Task What_is_queued_when_the_loop_looks_is_one_group_up_to_the_bound()
    {
        var loop = new Loop().Queue(new("1", A), new("2", B), new("3", C), new("4", D), new("5", A)).Start(maxGroup: 3, oneEach: false);

        (await loop.FinishAsync()).ShouldBe([["1", "2", "3"], ["4", "5"]]);
    }

    [Fact]
    public async Task A_lone_item_is_committed_at_once_as_a_group_of_one()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: false).Queue(new Item("alone", A));

        // No timer: the commit starts without anything else arriving or the queue completing.
        await loop.CommitsStarted(1);
        (await loop.FinishAsync()).ShouldBe([["alone"]]);
    }

    [Fact]
    public async Task Items_that_arrive_while_a_group_commits_are_the_next_group()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: false).Queue(new Item("first", A));
        await loop.CommitsStarted(1);
        loop.Queue(new("2", B), new("3", C), new("4", A));

        (await loop.FinishAsync()).ShouldBe([["first"], ["2", "3", "4"]]);
    }

    [Fact]
    public async Task With_one_item_per_key_a_second_of_a_key_waits_for_the_next_group_ahead_of_later_items()
    {
        var loop = new Loop().Queue(new("A1", A), new("B1", B), new("A2", A), new("A3", A), new("C1", C)).Start(maxGroup: 64, oneEach: true);
        await loop.CommitsStarted(1);
        loop.Queue(new("D1", D), new("B2", B));

        // A2 and A3 were carried: A2 goes first in the next group, A3 one group later; D1 and B2 join A2's group.
        (await loop.FinishAsync()).ShouldBe([["A1", "B1", "C1"], ["A2", "D1", "B2"], ["A3"]]);
    }

    [Fact]
    public async Task Without_a_key_items_of_the_same_key_share_a_group()
    {
        var loop = new Loop().Queue(new("A1", A), new("A2", A)).Start(maxGroup: 64, oneEach: false);

        (await loop.FinishAsync()).ShouldBe([["A1", "A2"]]);
    }

    [Fact]
    public async Task Carried_items_are_committed_after_the_queue_completes()
    {
        var loop = new Loop().Queue(new("A1", A), new("A2", A), new("A3", A)).Start(maxGroup: 64, oneEach: true);

        (await loop.FinishAsync()).ShouldBe([["A1"], ["A2"], ["A3"]]);
    }

    [Fact]
    public async Task With_two_groups_in_flight_a_second_group_commits_while_the_first_is_still_committing()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: true, groupsInFlight: 2).Queue(new Item("A1", A));
        await loop.CommitsStarted(1);
        loop.Queue(new Item("B1", B));

        // The gate is closed: the first group has not finished, yet the second has started.
        await loop.CommitsStarted(1);
        (await loop.FinishAsync()).ShouldBe([["A1"], ["B1"]]);
    }

    [Fact]
    public async Task A_key_that_a_group_in_flight_holds_waits_for_a_later_group()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: true, groupsInFlight: 2).Queue(new Item("A1", A));
        await loop.CommitsStarted(1);
        loop.Queue(new("A2", A), new("B1", B));

        // A2 may not commit beside A1 (it is decided against it): the free slot takes B1 alone.
        await loop.CommitsStarted(1);
        (await loop.FinishAsync()).ShouldBe([["A1"], ["B1"], ["A2"]]);
    }

    [Fact]
    public async Task While_every_slot_is_busy_arrivals_gather_into_one_group()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: true, groupsInFlight: 2).Queue(new Item("A1", A));
        await loop.CommitsStarted(1);
        loop.Queue(new Item("B1", B));
        await loop.CommitsStarted(1);
        loop.Queue(new("C1", C), new("D1", D));

        (await loop.FinishAsync()).ShouldBe([["A1"], ["B1"], ["C1", "D1"]]);
    }

    [Fact]
    public async Task Commits_that_finish_without_awaiting_free_their_slots_and_keys()
    {
        // An async commit that never awaits (a shard refusing connections at once) returns the runtime's one shared
        // completed task: two such groups in flight must still each be let go.
        var queue = Queued([new("A1", A), new("B1", B), new("A2", A), new("C1", C), new("A3", A)]);
        var groups = new List<string[]>();
        await CommitGroups.RunAsync(queue.Reader, maxGroup: 1, item => item.Key, group =>
        {
            groups.Add([.. group.Select(item => item.Name)]);
            return Task.CompletedTask;
        }, NoneFail, groupsInFlight: 2).WaitAsync(TimeSpan.FromSeconds(10));

        groups.ShouldBe([["A1"], ["B1"], ["A2"], ["C1"], ["A3"]]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_commit_that_throws_has_its_group_failed_and_the_next_groups_commit(bool throwsBeforeAwaiting)
    {
        var queue = Queued([new("A1", A), new("B1", B), new("C1", C)]);
        var committed = new List<string>();
        var failed = new List<string>();
        await CommitGroups.RunAsync(queue.Reader, maxGroup: 1, oneEach: null, async group =>
        {
            if (group[0].Name == "B1")
            {
                if (!throwsBeforeAwaiting)
                {
                    await Task.Yield();
                }

                throw new InvalidOperationException("the commit broke its promise to answer");
            }

            committed.Add(group[0].Name);
        }, (items, _) => failed.AddRange(items.Select(item => item.Name))).WaitAsync(TimeSpan.FromSeconds(10));

        committed.ShouldBe(["A1", "C1"]);
        failed.ShouldBe(["B1"]);
    }

    [Fact]
    public async Task A_fault_in_the_gathering_fails_what_waits_and_later_items_are_gathered_as_before()
    {
        // The key function is the gathering's own code path: an item whose key cannot be had faults the loop itself.
        var queue = Queued([new("A1", A), new("bad", B), new("C1", C)], complete: false);
        var committed = new List<string[]>();
        var failed = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = Task.Run(() => CommitGroups.RunAsync(queue.Reader, maxGroup: 64,
            item => item.Name == "bad" ? throw new InvalidOperationException("no key") : item.Key,
            group =>
            {
                committed.Add([.. group.Select(item => item.Name)]);
                return Task.CompletedTask;
            },
            (items, _) => failed.TrySetResult([.. items.Select(item => item.Name)]), groupsInFlight: 2));

        (await failed.Task.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(["A1", "bad", "C1"]);
        queue.Writer.TryWrite(new("D1", D)).ShouldBeTrue();
        queue.Writer.Complete();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        committed.ShouldBe([["D1"]]);
    }
}
