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
        ], [], observationStart: new DateOnly(2026, 3, 1));

        digest.ThisWeek.ShouldBe(new WeekFigures(new DateOnly(2026, 3, 23), new DateOnly(2026, 3, 29), 7, 6, 3.0)); // (2×5 + 4×2) / 6
        digest.WeekBefore.Episodes.ShouldBe(3);
        digest.WeekBefore.MeanIntensity.ShouldBe(6.0);
        digest.DailyEpisodes.Count.ShouldBe(14);
        digest.DailyEpisodes[^1].ShouldBe(2);
        digest.DailyEpisodes[1].ShouldBe(0); // the 17th: observed, nothing recorded
        digest.OpenAlerts.ShouldBeEmpty();
    }

    [Fact]
    public void Days_before_the_record_began_are_not_a_week_of_zeros()
    {
        // The first digest: the record began on the 25th (Wednesday of this week); the week before was not observed.
        var today = new DateOnly(2026, 3, 30);
        var digest = WeeklyDigest.Build(Guid.NewGuid(), today,
        [
            Day(new DateOnly(2026, 3, 25), 2, 4.0),
            Day(new DateOnly(2026, 3, 28), 1, 7.0),
        ], [], observationStart: new DateOnly(2026, 3, 25));

        digest.WeekBefore.ObservedDays.ShouldBe(0);
        digest.WeekBefore.EpisodesText.ShouldBe("no entries yet");
        digest.WeekBefore.MeanIntensityText.ShouldBe("no entries yet");
        digest.ThisWeek.ObservedDays.ShouldBe(5);
        digest.ThisWeek.EpisodesText.ShouldBe("3 in the 5 days since the first entry");
        digest.ThisWeek.MeanIntensityText.ShouldBe("5.0");
        digest.DailyEpisodes.ShouldBe([null, null, null, null, null, null, null, null, null, 2, 0, 0, 1, 0]);

        var text = ((MimeKit.TextPart)digest.Compose(Patient()).BodyParts.OfType<MimeKit.TextPart>().First(p => p.IsPlain)).Text;
        text.ShouldContain("- Twitch episodes: 3 in the 5 days since the first entry (week before: no entries yet)");
        text.ShouldContain("- Mean intensity: 5.0 (week before: no entries yet)");
    }

    [Fact]
    public void A_record_without_entries_has_no_entries_yet_in_either_week()
    {
        var digest = WeeklyDigest.Build(Guid.NewGuid(), new DateOnly(2026, 3, 30), [], [], observationStart: null);
        digest.ThisWeek.EpisodesText.ShouldBe("no entries yet");
        digest.WeekBefore.EpisodesText.ShouldBe("no entries yet");
        digest.DailyEpisodes.ShouldAllBe(d => d == null);
        DailyEpisodesChart.Draw(new DateOnly(2026, 3, 16), digest.DailyEpisodes, highlightFrom: 7)[..4].ShouldBe(new byte[] { 137, 80, 78, 71 });
    }

    private static EventHealth.Recording.PatientRecord Patient() => new() { DisplayName = "Test", Email = "t@example.org", TimeZone = "UTC", EnrollmentFingerprint = "" };

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
