using System.Text.Json;
using EventHealth.Daily;
using EventHealth.Insights;
using EventHealth.Projections;
using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.UnitTests.ReadSide;

public sealed class ReadModelTests
{
    [Fact]
    public void A_day_summarizes_its_contributions()
    {
        var at = DateTimeOffset.UnixEpoch;
        var row = PatientDays.Summarize(new DateOnly(2026, 1, 2), [
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Episode, Intensity: 3),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Episode, Intensity: 8),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Trigger, Trigger: "stress", Level: 4),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Trigger, Trigger: "stress", Level: 6),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Trigger, Trigger: "caffeine"),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Intake, WaterMl: 500, CaffeineMg: 80),
            new DayContribution(Guid.NewGuid(), "2026-01-02", "UTC", at, EntryKinds.Intake, WaterMl: 700),
        ]);

        row.Episodes.ShouldBe(2);
        row.MaxIntensity.ShouldBe(8);
        row.MeanIntensity.ShouldBe(5.5);
        row.Stress.ShouldBe(6);
        row.Triggers.ShouldBe(["caffeine", "stress"]);
        row.WaterMl.ShouldBe(1200);
        row.CaffeineMg.ShouldBe(80);
        row.SleepHours.ShouldBeNull();
        row.Entries.ShouldBe(7);
    }

    [Fact]
    public void Under_three_days_on_either_side_is_not_enough_data()
    {
        DailySummary Day(int day, int episodes, params string[] triggers) =>
            new(new DateOnly(2026, 1, day), "UTC", episodes, null, null, 0, null, null, null, null, triggers, [], [], 1);

        var twoDays = InsightCalculator.TriggerAssociations([Day(1, 5, "stress"), Day(2, 4, "stress"), Day(3, 1), Day(4, 0), Day(5, 1)]);
        var stress = twoDays.Single(t => t.Kind == "stress");
        stress.DaysWith.ShouldBe(2);
        stress.MeanEpisodesWith.ShouldBe(4.5);
        stress.EnoughData.ShouldBeFalse();
        stress.Conclusion.ShouldBe("not enough data");
    }

    [Theory]
    [InlineData(30, "30 s")]
    [InlineData(90, "1 min 30 s")]
    [InlineData(120, "2 min")]
    [InlineData(3900, "1 h 5 min")]
    public void Durations_read_as_people_say_them(int seconds, string text) => EntrySummaries.Duration(seconds).ShouldBe(text);

    [Fact]
    public void Summaries_use_the_vocabulary_in_plain_words()
    {
        EntrySummaries.Describe(new TriggerReported(Guid.NewGuid(), DateTimeOffset.UnixEpoch, TriggerKind.MedicationWithdrawn, 5, null))
            .ShouldBe("Trigger: medication withdrawn, level 5/10");
        EntrySummaries.Describe(new SleepLogged(Guid.NewGuid(), DateTimeOffset.UnixEpoch, new DateOnly(2026, 1, 1), 6.5, 3, 1))
            .ShouldBe("Sleep, night of 2026-01-01: 6.5 h, quality 3/5, 1 awakening");
    }

    [Fact]
    public void Cursors_round_trip_and_foreign_strings_are_refused()
    {
        var key = RecordedEntry.SortKeyFor(DateTimeOffset.UnixEpoch, Guid.NewGuid());
        GetTimelineEndpoint.DecodeCursor(GetTimelineEndpoint.EncodeCursor(key)).ShouldBe(key);
        GetTimelineEndpoint.DecodeCursor("not-a-cursor").ShouldBeNull();
        GetTimelineEndpoint.DecodeCursor(GetTimelineEndpoint.EncodeCursor("0/' or 1=1")).ShouldBeNull();
    }

    [Fact]
    public void The_first_difference_names_the_path_but_not_the_values()
    {
        var live = JsonDocument.Parse("{\"a\":1,\"days\":{\"d1\":{\"episodes\":3}}}").RootElement;
        var rebuilt = JsonDocument.Parse("{\"a\":1,\"days\":{\"d1\":{\"episodes\":2}}}").RootElement;
        ProjectionVerifier.FirstDifference(live, rebuilt, "$").ShouldBe("$.days.d1.episodes: live a number, rebuilt a number");
        ProjectionVerifier.FirstDifference(JsonDocument.Parse("{\"s\":\"secret\"}").RootElement, JsonDocument.Parse("{}").RootElement, "$")
            .ShouldBe("$.s: live a string of 6 characters, rebuilt (missing)");
        ProjectionVerifier.FirstDifference(live, live, "$").ShouldBeNull();
    }
}
