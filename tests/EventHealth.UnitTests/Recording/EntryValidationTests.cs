using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Recording;

public sealed class EntryValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 29, 12, 0, 0, TimeSpan.Zero);

    private static RecordEpisode ValidEpisode => new()
    {
        EntryId = Guid.NewGuid(),
        OccurredAt = Now.AddHours(-2),
        BodyRegions = [BodyRegion.Calf],
        Side = Side.Left,
        Intensity = 5,
        DurationSeconds = 20,
        Visible = false,
        Painful = false,
    };

    private static IReadOnlyDictionary<string, string[]> Errors(EntryRequest request)
    {
        var errors = new FieldErrors();
        request.Validate(errors, Now);
        return errors.ToDictionary();
    }

    [Fact]
    public void A_complete_episode_is_valid_and_becomes_its_event()
    {
        var request = ValidEpisode;
        Errors(request).ShouldBeEmpty();
        var recorded = request.ToEvent().ShouldBeOfType<TwitchEpisodeRecorded>();
        recorded.Intensity.ShouldBe(5);
        recorded.BodyRegions.ShouldBe([BodyRegion.Calf]);
    }

    [Fact]
    public void Missing_fields_are_each_named()
    {
        Errors(new RecordEpisode()).Keys.ShouldBe(
            ["bodyRegions", "durationSeconds", "entryId", "intensity", "occurredAt", "painful", "side", "visible"], ignoreOrder: true);
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(10, false)]
    [InlineData(11, true)]
    public void Intensity_is_bounded_0_to_10(int intensity, bool invalid) =>
        Errors(ValidEpisode with { Intensity = intensity }).ContainsKey("intensity").ShouldBe(invalid);

    [Fact]
    public void Occurred_at_may_be_up_to_five_minutes_ahead_but_not_more()
    {
        Errors(ValidEpisode with { OccurredAt = Now.AddMinutes(5) }).ShouldBeEmpty();
        Errors(ValidEpisode with { OccurredAt = Now.AddMinutes(5).AddSeconds(1) }).Keys.ShouldBe(["occurredAt"]);
    }

    [Fact]
    public void Backfilled_entries_are_fine_but_not_before_1900()
    {
        Errors(ValidEpisode with { OccurredAt = Now.AddDays(-400) }).ShouldBeEmpty();
        Errors(ValidEpisode with { OccurredAt = new DateTimeOffset(1899, 12, 31, 23, 0, 0, TimeSpan.Zero) }).Keys.ShouldBe(["occurredAt"]);
    }

    [Fact]
    public void The_empty_uuid_is_not_an_entry_id() =>
        Errors(ValidEpisode with { EntryId = Guid.Empty }).Keys.ShouldBe(["entryId"]);

    [Fact]
    public void An_episode_needs_at_least_one_body_region() =>
        Errors(ValidEpisode with { BodyRegions = [] }).Keys.ShouldBe(["bodyRegions"]);

    [Fact]
    public void Undefined_enum_values_are_named_with_their_index() =>
        Errors(ValidEpisode with { BodyRegions = [BodyRegion.Calf, (BodyRegion)99] }).Keys.ShouldBe(["bodyRegions[1]"]);

    [Fact]
    public void Sleep_hours_are_bounded_0_to_24_and_quality_1_to_5()
    {
        var sleep = new LogSleep
        {
            EntryId = Guid.NewGuid(), OccurredAt = Now, Night = new DateOnly(2026, 3, 28), Hours = 24, Quality = 1, Awakenings = 0,
        };
        Errors(sleep).ShouldBeEmpty();
        Errors(sleep with { Hours = 24.5 }).Keys.ShouldBe(["hours"]);
        Errors(sleep with { Hours = double.NaN }).Keys.ShouldBe(["hours"]);
        Errors(sleep with { Quality = 6 }).Keys.ShouldBe(["quality"]);
        Errors(sleep with { Night = new DateOnly(2026, 4, 5) }).Keys.ShouldBe(["night"]);
    }

    [Fact]
    public void Intake_amounts_are_non_negative_and_at_least_one_is_given()
    {
        var intake = new LogIntake { EntryId = Guid.NewGuid(), OccurredAt = Now, CaffeineMg = 0 };
        Errors(intake).ShouldBeEmpty();
        Errors(intake with { CaffeineMg = -1 }).Keys.ShouldBe(["caffeineMg"]);
        Errors(intake with { CaffeineMg = null }).Keys.ShouldBe(["waterMl"]);
    }

    [Fact]
    public void Trigger_level_is_optional_but_bounded()
    {
        var trigger = new ReportTrigger { EntryId = Guid.NewGuid(), OccurredAt = Now, Kind = TriggerKind.Caffeine };
        Errors(trigger).ShouldBeEmpty();
        Errors(trigger with { Level = 11 }).Keys.ShouldBe(["level"]);
        Errors(trigger with { Details = new string('x', 501) }).Keys.ShouldBe(["details"]);
    }

    [Fact]
    public void Cramp_and_symptom_severities_are_bounded()
    {
        var cramp = new RecordCramp
        {
            EntryId = Guid.NewGuid(), OccurredAt = Now, BodyRegion = BodyRegion.Calf, Severity = 10, DurationSeconds = 60,
            Sudden = true, DisruptedDailyActivities = false,
        };
        Errors(cramp).ShouldBeEmpty();
        Errors(cramp with { Severity = 11 }).Keys.ShouldBe(["severity"]);

        var symptom = new ReportSymptom { EntryId = Guid.NewGuid(), OccurredAt = Now, Kind = SymptomKind.Numbness, Severity = 0 };
        Errors(symptom).ShouldBeEmpty();
        Errors(symptom with { Severity = -1 }).Keys.ShouldBe(["severity"]);
    }

    [Fact]
    public void An_entry_without_a_type_says_which_types_exist()
    {
        var errors = Errors(new EntryRequest { EntryId = Guid.NewGuid(), OccurredAt = Now });
        errors.Keys.ShouldBe(["type"]);
        errors["type"].Single().ShouldContain("episode, cramp, trigger, sleep, intake, intervention, symptom");
    }

    [Fact]
    public void Batch_entry_errors_are_named_under_their_index()
    {
        var errors = new FieldErrors();
        (ValidEpisode with { Intensity = 12 }).Validate(errors.Under("entries[3]"), Now);
        errors.ToDictionary().Keys.ShouldBe(["entries[3].intensity"]);
    }
}
