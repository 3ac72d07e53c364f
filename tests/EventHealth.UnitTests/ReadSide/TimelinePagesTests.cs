using System.Buffers;
using EventHealth.Http;
using EventHealth.Timeline;
using Microsoft.Extensions.Options;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>Live timeline pages kept by record version (<see cref="TimelinePages"/>).</summary>
public sealed class TimelinePagesTests
{
    private static readonly TimelinePages.Key First = new(Guid.NewGuid(), null, "", "9999999999999999999", 101);

    [Fact]
    public void A_kept_page_gives_back_its_bytes_version_and_etag_and_only_for_its_own_key()
    {
        using var pages = Pages(megabytes: 1);
        var bytes = Enumerable.Range(0, 40_000).Select(i => (byte)(i % 251)).ToArray();

        Keep(pages, First, 7, bytes, "\"e\"");

        var kept = pages.Find(First).ShouldNotBeNull();
        kept.Version.ShouldBe(7);
        kept.ETag.ShouldBe("\"e\"");
        kept.Answer.ToArray().ShouldBe(bytes);
        // Blocks under the large-object size, as the pool's.
        foreach (var block in kept.Answer)
        {
            block.Length.ShouldBeLessThanOrEqualTo(16 * 1024);
        }

        pages.Find(First with { After = "0638259830000000000/0000000000004000a000000000005000" }).ShouldBeNull();
        pages.Find(First with { Take = 51 }).ShouldBeNull();
        pages.Find(First with { PatientId = Guid.NewGuid() }).ShouldBeNull();
    }

    [Fact]
    public void A_page_kept_at_a_newer_version_replaces_the_older_and_forgetting_drops_every_page()
    {
        using var pages = Pages(megabytes: 1);
        Keep(pages, First, 7, [1, 2, 3], "\"a\"");
        Keep(pages, First, 9, [4, 5], "\"b\"");

        pages.Find(First).ShouldNotBeNull().Version.ShouldBe(9);
        pages.Find(First)!.Answer.ToArray().ShouldBe([(byte)4, (byte)5]);

        pages.Forget();

        pages.Find(First).ShouldBeNull();
    }

    [Theory]
    [InlineData(0, 300)]
    [InlineData(16, 0)]
    public void Configured_off_it_keeps_nothing(int megabytes, int seconds)
    {
        using var pages = Pages(megabytes, seconds);

        Keep(pages, First, 7, [1, 2, 3], "\"a\"");

        pages.Find(First).ShouldBeNull();
    }

    [Fact]
    public void Pages_beyond_its_memory_are_not_kept()
    {
        using var pages = Pages(megabytes: 1);

        Keep(pages, First, 7, new byte[2 * 1024 * 1024], "\"a\"");

        pages.Find(First).ShouldBeNull();
    }

    [Fact]
    public void A_page_is_kept_for_its_lifetime_on_the_application_clock()
    {
        var clock = new SettableClock { Now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero) };
        using var pages = Pages(megabytes: 1, seconds: 300, clock);
        Keep(pages, First, 7, [1, 2, 3], "\"a\"");

        clock.Now += TimeSpan.FromSeconds(299);
        pages.Find(First).ShouldNotBeNull();
        clock.Now += TimeSpan.FromSeconds(2);
        pages.Find(First).ShouldBeNull();
    }

    private static TimelinePages Pages(int megabytes, int seconds = 300, TimeProvider? clock = null) =>
        new(Options.Create(new TimelinePagesOptions { Megabytes = megabytes, Seconds = seconds }), clock ?? TimeProvider.System);

    private static void Keep(TimelinePages pages, TimelinePages.Key key, long version, byte[] bytes, string etag)
    {
        using var answer = HeldAnswers.Hold();
        answer.Write(bytes);
        pages.Keep(key, version, answer, etag);
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
