using System.Buffers.Binary;
using System.Text;
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
    public void The_chart_is_a_valid_png_of_the_expected_size()
    {
        var png = BarChartPng.Draw([1, 0, 3, 2], highlightFrom: 2);
        png[..8].ShouldBe(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)).ShouldBe(20 + (4 * 32));
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)).ShouldBe(140);
        BarChartPng.Crc32(Encoding.ASCII.GetBytes("IEND")).ShouldBe(0xAE426082u); // the CRC every PNG ends with
    }
}
