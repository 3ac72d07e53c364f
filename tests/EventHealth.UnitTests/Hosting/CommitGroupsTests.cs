using System.Threading.Channels;
using EventHealth.Hosting;

namespace EventHealth.UnitTests.Hosting;

/// <summary>Group commit's gathering (<see cref="CommitGroups"/>): what makes a group, and what waits for the next.</summary>
public sealed class CommitGroupsTests
{
    private sealed record Item(string Name, Guid Key);

    private static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid(), D = Guid.NewGuid();

    /// <summary>A loop over a new queue whose commits are recorded (as item names) and, while <see cref="Gate"/> is closed, held.</summary>
    private sealed class Loop
    {
        private readonly Channel<Item> queue = Channel.CreateUnbounded<Item>();
        private readonly TaskCompletionSource firstCommitStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string[]> Groups { get; } = [];
        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Task Running { get; private set; } = Task.CompletedTask;
        public Task FirstCommitStarted => firstCommitStarted.Task;

        public Loop Queue(params Item[] items)
        {
            foreach (var item in items)
            {
                queue.Writer.TryWrite(item).ShouldBeTrue();
            }

            return this;
        }

        public Loop Start(int maxGroup, bool oneEach)
        {
            Running = Task.Run(() => CommitGroups.RunAsync(queue.Reader, maxGroup, oneEach ? item => item.Key : null, async group =>
            {
                lock (Groups)
                {
                    Groups.Add([.. group.Select(item => item.Name)]);
                }

                firstCommitStarted.TrySetResult();
                await Gate.Task;
            }));
            return this;
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
        await loop.FirstCommitStarted.WaitAsync(TimeSpan.FromSeconds(10));
        (await loop.FinishAsync()).ShouldBe([["alone"]]);
    }

    [Fact]
    public async Task Items_that_arrive_while_a_group_commits_are_the_next_group()
    {
        var loop = new Loop().Start(maxGroup: 64, oneEach: false).Queue(new Item("first", A));
        await loop.FirstCommitStarted.WaitAsync(TimeSpan.FromSeconds(10));
        loop.Queue(new("2", B), new("3", C), new("4", A));

        (await loop.FinishAsync()).ShouldBe([["first"], ["2", "3", "4"]]);
    }

    [Fact]
    public async Task With_one_item_per_key_a_second_of_a_key_waits_for_the_next_group_ahead_of_later_items()
    {
        var loop = new Loop().Queue(new("A1", A), new("B1", B), new("A2", A), new("A3", A), new("C1", C)).Start(maxGroup: 64, oneEach: true);
        await loop.FirstCommitStarted.WaitAsync(TimeSpan.FromSeconds(10));
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
}
