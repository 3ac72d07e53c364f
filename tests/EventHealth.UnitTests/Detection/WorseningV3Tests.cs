using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

/// <summary>
/// Version 3 of both worsening rules (issue 18): the earlier half is observed from the record's first counted entry of
/// any kind, and a day after that without an episode is a day without twitching. Each condition on both sides.
/// </summary>
public sealed class WorseningV3Tests
{
    private static readonly IDetectionRule Mobility = new WorseningAffectingMobility(3);
    private static readonly IDetectionRule Trend = new WorseningTrend(3);

    private static RuleMatch? Run(IDetectionRule rule, RecordBuilder record) =>
        rule.Evaluate(record.Facts(), record.Facts().Today(RecordBuilder.Now));

    /// <summary>A diary that logs only the days with twitching: 4 episode-days in the earlier half, 10 in the latest.</summary>
    private static RecordBuilder TwitchingDaysOnly()
    {
        var record = new RecordBuilder();
        foreach (var day in new[] { 27, 24, 20, 16 })
        {
            record.Episode(day);
        }

        foreach (var day in new[] { 13, 12, 11, 9, 8, 6, 5, 4, 3, 1 })
        {
            record.Episode(day);
        }

        return record;
    }

    [Fact]
    public void Four_then_ten_episode_days_with_difficulty_walking_two_days_ago_is_urgent()
    {
        var record = TwitchingDaysOnly();
        var walking = record.Symptom(2, SymptomKind.DifficultyWalking);

        var match = Run(Mobility, record).ShouldNotBeNull();
        match.Severity.ShouldBe(AlertSeverity.Urgent);
        match.Evidence.Count.ShouldBe(15);
        match.Evidence.ShouldContain(walking);
        Run(Trend, record).ShouldBeNull(); // the mobility report makes it the urgent rule's
        Run(new WorseningAffectingMobility(2), record).ShouldBeNull(); // what version 2 missed: 1 episode per tracked day in both halves
    }

    [Fact]
    public void Four_then_ten_episode_days_without_a_mobility_report_is_advisory()
    {
        var record = TwitchingDaysOnly();

        Run(Mobility, record).ShouldBeNull();
        Run(Trend, record).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Advisory);
        Run(new WorseningTrend(2), record).ShouldBeNull();
    }

    [Fact]
    public void Four_then_five_episode_days_is_not_worsening()
    {
        var record = new RecordBuilder();
        foreach (var day in new[] { 27, 24, 20, 16, 12, 9, 6, 3, 1 })
        {
            record.Episode(day);
        }

        Run(Trend, record).ShouldBeNull(); // 5 in the latest half: fewer than 6
    }

    /// <summary>Begun on D-20: days D-20…D-14 of the earlier half (7) were observed. 2 episodes there, then the given number.</summary>
    private static RecordBuilder BegunOnDay20(int latestEpisodes)
    {
        var record = new RecordBuilder();
        record.Episode(20);
        record.Episode(16);
        for (var i = 0; i < latestEpisodes; i++)
        {
            record.Episode(12 - (2 * i));
        }

        return record;
    }

    [Fact]
    public void A_record_begun_20_days_ago_compares_episodes_per_observed_day_exactly_at_the_threshold()
    {
        var begun = BegunOnDay20(6).Facts();
        begun.ObservationStart.ShouldBe(DateOnly.FromDateTime(RecordBuilder.DaysAgo(20).UtcDateTime));
        begun.ObservedDays(begun.Today(RecordBuilder.Now).AddDays(-14), 14).ShouldBe(7);

        Run(Trend, BegunOnDay20(6)).ShouldNotBeNull(); // 2 × 6 × 7 = 84 = 3 × 2 × 14
        Run(Trend, BegunOnDay20(5)).ShouldBeNull();    // fewer than 6 in the latest half
    }

    [Fact]
    public void Per_observed_day_rates_on_both_sides_of_the_threshold()
    {
        // Begun on D-20 with 3 earlier episodes: 6 latest give 2 × 6 × 7 = 84 < 3 × 3 × 14 = 126; 9 give 126 = 126.
        RecordBuilder Record(int latest)
        {
            var record = new RecordBuilder();
            foreach (var day in new[] { 20, 18, 16 })
            {
                record.Episode(day);
            }

            for (var i = 0; i < latest; i++)
            {
                record.Episode(i % 13);
            }

            return record;
        }

        Run(Trend, Record(8)).ShouldBeNull();
        Run(Trend, Record(9)).ShouldNotBeNull();
    }

    /// <summary>Observation begins with an intake entry on the given day; six episodes in the latest half, none before.</summary>
    private static RecordBuilder BegunOn(int daysAgo)
    {
        var record = new RecordBuilder();
        record.Intake(daysAgo);
        for (var day = 0; day < 6; day++)
        {
            record.Episode(day);
        }

        return record;
    }

    [Fact]
    public void Observation_starts_with_an_entry_of_any_kind_and_needs_seven_days_of_the_earlier_half()
    {
        Run(Trend, BegunOn(20)).ShouldNotBeNull(); // 7 days without twitching, then six episodes
        Run(Trend, BegunOn(19)).ShouldBeNull();    // 6 observed days: not compared
    }

    [Fact]
    public void A_record_begun_inside_the_latest_14_days_is_not_compared()
    {
        var record = new RecordBuilder();
        for (var day = 13; day >= 0; day--)
        {
            record.Episode(day, intensity: day < 5 ? 9 : 2);
        }

        record.Symptom(1, SymptomKind.DifficultyWalking);
        Run(Mobility, record).ShouldBeNull();
        Run(Trend, record).ShouldBeNull();
        Run(Trend, BegunOn(13)).ShouldBeNull();
    }

    [Fact]
    public void Enrolment_alone_does_not_start_observation()
    {
        // The enrolment is the record's first event, long before its first entry 19 days ago.
        var record = BegunOn(19);
        record.Facts().ObservationStart.ShouldBe(DateOnly.FromDateTime(RecordBuilder.DaysAgo(19).UtcDateTime));
        Run(Trend, record).ShouldBeNull();
    }

    [Fact]
    public void Retracted_entries_do_not_start_observation()
    {
        var record = BegunOn(19);
        var mistaken = record.Intake(27);
        Run(Trend, record).ShouldNotBeNull(); // observed from D-27: 14 days without twitching, then six episodes

        record.Retract(mistaken);
        record.Facts().ObservationStart.ShouldBe(DateOnly.FromDateTime(RecordBuilder.DaysAgo(19).UtcDateTime));
        Run(Trend, record).ShouldBeNull();
    }

    [Fact]
    public void Clinician_notes_do_not_start_observation()
    {
        var record = BegunOn(19);
        record.Note(27);
        Run(Trend, record).ShouldBeNull();
    }

    [Theory]
    [InlineData(new[] { 1, 2, 2 }, new[] { 3, 4, 4 }, true)]  // up exactly 2, means in thirds
    [InlineData(new[] { 1, 2, 2 }, new[] { 3, 4, 3 }, false)] // up 5/3
    public void Intensity_is_compared_as_in_version_2(int[] earlier, int[] latest, bool matches)
    {
        var record = new RecordBuilder();
        for (var i = 0; i < earlier.Length; i++)
        {
            record.Episode(20 - (2 * i), earlier[i]);
        }

        for (var i = 0; i < latest.Length; i++)
        {
            record.Episode(6 - (2 * i), latest[i]);
        }

        (Run(Trend, record) is not null).ShouldBe(matches);
    }

    [Fact]
    public void A_retracted_mobility_report_leaves_the_advisory()
    {
        var record = TwitchingDaysOnly();
        var walking = record.Symptom(2, SymptomKind.DifficultyWalking);
        record.Retract(walking);

        Run(Mobility, record).ShouldBeNull();
        Run(Trend, record).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Advisory);
    }

    [Fact]
    public void After_a_worsening_advisory_more_twitching_waits_for_the_cooldown_but_difficulty_walking_is_urgent_at_once()
    {
        var record = TwitchingDaysOnly();
        var advisory = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now.AddDays(-1)).Alerts.ShouldHaveSingleItem();
        advisory.RuleId.ShouldBe("worsening-trend");
        advisory.RuleVersion.ShouldBe(3);
        record.Raised(advisory);

        record.Episode(0);
        DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).Alerts.ShouldBeEmpty(); // new evidence, within 7 days

        record.Symptom(0, SymptomKind.DifficultyWalking);
        var urgent = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).Alerts.ShouldHaveSingleItem();
        (urgent.RuleId, urgent.RuleVersion, urgent.Severity).ShouldBe(("worsening-affecting-mobility", 3, AlertSeverity.Urgent));
    }

    [Fact]
    public void Version_3_is_live_and_version_2_is_retired_but_still_explains_and_emails_its_alerts()
    {
        DetectionRules.FindRelease("worsening-affecting-mobility", 3)!.Status.ShouldBe(RuleStatus.Live);
        DetectionRules.FindRelease("worsening-trend", 3)!.Status.ShouldBe(RuleStatus.Live);
        DetectionRules.FindRelease("worsening-affecting-mobility", 2)!.Status.ShouldBe(RuleStatus.Retired);
        DetectionRules.FindRelease("worsening-trend", 2)!.Status.ShouldBe(RuleStatus.Retired);

        // A version 2 alert on a diary of every day: replayed by version 2 (what the explanation and the email use).
        var record = new RecordBuilder();
        record.TrackEveryDay(27);
        for (var day = 0; day < 6; day++)
        {
            record.Episode(day);
        }

        var facts = record.Facts();
        var version2 = DetectionRules.Find("worsening-trend", 2).ShouldNotBeNull();
        var replayed = version2.Evaluate(facts, facts.Today(RecordBuilder.Now)).ShouldNotBeNull();
        replayed.RuleVersion.ShouldBe(2);
        var alert = new AlertRaised(Guid.NewGuid(), replayed.RuleId, 2, replayed.Severity, replayed.Criterion, replayed.Evidence, facts.Version, RecordBuilder.Now);
        var patient = new PatientRecord { Id = record.PatientId, DisplayName = "Ana", Email = "ana@example.org", TimeZone = "UTC", AlertEmails = true, EnrollmentFingerprint = "x" };
        AlertEmail.Compose(patient, alert, facts, "ana@example.org").TextBody!.ShouldContain($"What we noticed: {version2.PlainWords}");
    }
}
