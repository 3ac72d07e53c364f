using System.Buffers.Binary;
using EventHealth.Daily;
using EventHealth.Digest;

namespace EventHealth.UnitTests.ReadSide;

public sealed class DigestTests
{
    private static DailySummary Day(DateOnly date, int episodes, double? mean, params string[] triggers) =>
        new(date, "UTC", episodes, null, mean, 0, null, null, null, null, triggers, [], [], episodes);

    [Fact]
    public void The_week_ending_yesterday_is_set_against_the_week_before()
    {
        var today = new DateOnly(2026, 3, 30);
        var digest = WeeklyDigest.Build(Guid.NewGuid(), today,
        [
            Day(new DateOnly(2026, 3, 29), 2, 5.0), // this week: 23..29
            Day(new DateOnly(2026, 3, 23), 4, 2.0),
            Day(new DateOnly(2026, 3, 22), 3, 6.0), // week before: 16..22
            Day(new DateOnly(2026, 3, 30), 9, 9.0), // today: in neither
        ], []);

        digest.ThisWeek.ShouldBe(new WeekFigures(new DateOnly(2026, 3, 23), new DateOnly(2026, 3, 29), 6, 3.0)); // (2×5 + 4×2) / 6
        digest.WeekBefore.Episodes.ShouldBe(3);
        digest.WeekBefore.MeanIntensity.ShouldBe(6.0);
        digest.DailyEpisodes.Count.ShouldBe(14);
        digest.DailyEpisodes[^1].ShouldBe(2);
        digest.OpenAlerts.ShouldBeEmpty();
    }

    [Fact]
    public void The_chart_is_a_png_with_coloured_bars_and_drawn_labels()
    {
        var png = DailyEpisodesChart.Draw(new DateOnly(2026, 3, 16), [1, 0, 3, 2, 0, 0, 1, 4, 2, 0, 5, 1, 0, 2], highlightFrom: 7);
        png[..8].ShouldBe(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)).ShouldBe(DailyEpisodesChart.Width);
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)).ShouldBe(DailyEpisodesChart.Height);

        using var bitmap = SkiaSharp.SKBitmap.Decode(png);
        var pixels = bitmap.Pixels;
        // Both weeks' colours are there, and so is dark ink: the axis labels, day names and counts (a chart drawn
        // without a usable font would have bars but no dark text pixels).
        pixels.Count(p => p.Red == 0x31 && p.Green == 0x6E && p.Blue == 0xBE).ShouldBeGreaterThan(1000);
        pixels.Count(p => p.Red == 0xB4 && p.Green == 0xB4 && p.Blue == 0xB4).ShouldBeGreaterThan(500);
        pixels.Count(p => p.Red < 90 && p.Green < 90 && p.Blue < 90).ShouldBeGreaterThan(1500);
    }
}
