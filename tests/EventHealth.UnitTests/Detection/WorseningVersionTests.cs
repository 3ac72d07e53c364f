using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

/// <summary>
/// Version 2 of both worsening rules: exact thresholds (integer sums against counts) and halves compared from what
/// was observed. Each threshold is tried on both sides; version 1 is kept as shipped to explain its alerts.
/// </summary>
public sealed class WorseningVersionTests
{
    private static readonly IDetectionRule Mobility = new WorseningAffectingMobility(2);
    private static readonly IDetectionRule Trend = new WorseningTrend(2);

    private static RuleMatch? Run(IDetectionRule rule, RecordBuilder record) =>
        rule.Evaluate(record.Facts(), record.Facts().Today(RecordBuilder.Now));

    /// <summary>Three episodes in each half, fully observed, at the given intensities, and difficulty walking yesterday.</summary>
    private static RecordBuilder Intensities(int[] earlier, int[] latest)
    {
        var record = new RecordBuilder();
        record.TrackEveryDay(27);
        for (var i = 0; i < earlier.Length; i++)
        {
            record.Episode(20 - (2 * i), earlier[i]);
        }

        for (var i = 0; i < latest.Length; i++)
        {
            record.Episode(6 - (2 * i), latest[i]);
        }

        record.Symptom(1, SymptomKind.DifficultyWalking);
        return record;
    }

    [Theory]
    [InlineData(new[] { 1, 2, 2 }, new[] { 3, 4, 4 }, true)]  // 5/3 → 11/3: up exactly 2, means in thirds
    [InlineData(new[] { 1, 1, 2 }, new[] { 3, 3, 4 }, true)]  // 4/3 → 10/3: up exactly 2
    [InlineData(new[] { 1, 1, 2 }, new[] { 3, 3, 3 }, false)] // 4/3 → 3: up 5/3
    [InlineData(new[] { 1, 2, 2 }, new[] { 3, 4, 3 }, false)] // 5/3 → 10/3: up 5/3
    [InlineData(new[] { 2, 2, 2 }, new[] { 4, 4, 4 }, true)]  // up exactly 2 in whole numbers
    public void A_rise_in_mean_intensity_is_compared_exactly(int[] earlier, int[] latest, bool matches)
    {
        var record = Intensities(earlier, latest);
        (Run(Mobility, record) is not null).ShouldBe(matches);
    }

    [Fact]
    public void Version_1_missed_a_rise_of_exactly_two_between_means_in_thirds_and_still_explains_its_own_alerts_that_way()
    {
        var record = Intensities([1, 2, 2], [3, 4, 4]);
        Run(new WorseningAffectingMobility(1), record).ShouldBeNull();
        Run(Mobility, record).ShouldNotBeNull().RuleVersion.ShouldBe(2);
        DetectionRules.Find("worsening-affecting-mobility", 1).ShouldNotBeNull();
        DetectionRules.FindRelease("worsening-trend", 1)!.Status.ShouldBe(RuleStatus.Retired);
    }

    [Fact]
    public void Two_episodes_in_the_latest_half_are_not_enough_for_an_intensity_rise()
    {
        Run(Mobility, Intensities([1, 1, 1], [5, 5])).ShouldBeNull();
        Run(Mobility, Intensities([1, 1], [5, 5, 5])).ShouldBeNull();
    }

    /// <summary>Every day of both halves observed: the rate comparison is the article's count comparison.</summary>
    [Theory]
    [InlineData(9, 6, true)]  // 9 = 1.5 × 6
    [InlineData(8, 6, false)] // 8 < 9
    [InlineData(6, 4, true)]  // 6 = 1.5 × 4
    [InlineData(6, 5, false)] // 6 < 7.5
    [InlineData(5, 0, false)] // fewer than 6 in the latest half
    [InlineData(6, 0, true)]
    public void Episodes_in_the_latest_half_against_one_and_a_half_times_the_earlier(int latest, int earlier, bool matches)
    {
        var record = new RecordBuilder();
        record.TrackEveryDay(27);
        for (var i = 0; i < earlier; i++)
        {
            record.Episode(14 + (i % 14));
        }

        for (var i = 0; i < latest; i++)
        {
            record.Episode(i % 14);
        }

        (Run(Trend, record) is not null).ShouldBe(matches);
    }

    [Fact]
    public void A_patient_who_began_tracking_26_days_ago_and_twitches_clearly_more_with_difficulty_walking_is_urgent()
    {
        // The outside client's journey: tracking began 26 days ago (inside the earlier half), twitching in both halves.
        var record = new RecordBuilder();
        record.TrackEveryDay(26);
        foreach (var day in new[] { 25, 22, 19, 16 })
        {
            record.Episode(day);
        }

        foreach (var day in new[] { 12, 11, 9, 8, 6, 5, 3, 2, 1 })
        {
            record.Episode(day);
        }

        var walking = record.Symptom(1, SymptomKind.DifficultyWalking);

        Run(new WorseningAffectingMobility(1), record).ShouldBeNull(); // what version 1 missed
        var match = Run(Mobility, record).ShouldNotBeNull();
        match.Severity.ShouldBe(AlertSeverity.Urgent);
        match.Evidence.ShouldContain(walking);
        match.Evidence.Count.ShouldBe(14);
    }

    [Fact]
    public void The_earlier_half_is_compared_from_seven_tracked_days_on()
    {
        // Six episodes in the latest half against none observed before: worsening only if the earlier half was watched.
        RecordBuilder Record(int trackedEarlierDays)
        {
            var record = new RecordBuilder();
            record.TrackEveryDay(13 + trackedEarlierDays, 14); // the last tracked days of the earlier half
            record.TrackEveryDay(13);
            for (var day = 0; day < 6; day++)
            {
                record.Episode(day);
            }

            return record;
        }

        Run(Trend, Record(6)).ShouldBeNull();
        Run(Trend, Record(7)).ShouldNotBeNull();
    }

    [Fact]
    public void A_brand_new_record_with_six_episodes_is_not_compared()
    {
        var record = new RecordBuilder();
        for (var day = 0; day < 6; day++)
        {
            record.Episode(day);
        }

        record.Symptom(0, SymptomKind.DifficultyWalking);
        Run(Mobility, record).ShouldBeNull();
        Run(Trend, record).ShouldBeNull();
    }

    [Fact]
    public void Rates_are_per_tracked_day_when_the_halves_were_observed_unequally()
    {
        // Earlier half: 7 tracked days with 7 episodes (1 a day). Latest half: 14 tracked days.
        RecordBuilder Record(int latestEpisodes)
        {
            var record = new RecordBuilder();
            record.TrackEveryDay(20, 14);
            for (var day = 14; day <= 20; day++)
            {
                record.Episode(day);
            }

            record.TrackEveryDay(13);
            for (var i = 0; i < latestEpisodes; i++)
            {
                record.Episode(i % 14);
            }

            return record;
        }

        Run(Trend, Record(21)).ShouldNotBeNull(); // 1.5 a day = 1.5 × 1 a day
        Run(Trend, Record(20)).ShouldBeNull();    // 20/14 a day < 1.5
    }

    [Fact]
    public void Retracted_episodes_do_not_count_toward_worsening()
    {
        var record = new RecordBuilder();
        record.TrackEveryDay(27);
        var episodes = Enumerable.Range(0, 6).Select(day => record.Episode(day)).ToList();
        Run(Trend, record).ShouldNotBeNull();
        record.Retract(episodes[0]);
        Run(Trend, record).ShouldBeNull();
    }
}

public sealed class CandidateRuleTests
{
    [Fact]
    public void The_candidate_weakness_rule_matches_one_atrophy_report_with_twitching_and_is_not_live()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.MuscleAtrophy);
        record.Episode(2);
        var facts = record.Facts();
        var today = facts.Today(RecordBuilder.Now);

        new WeaknessOrAtrophy(1).Evaluate(facts, today).ShouldBeNull();
        new WeaknessOrAtrophy(2).Evaluate(facts, today).ShouldNotBeNull().RuleVersion.ShouldBe(2);
        DetectionRules.FindRelease("weakness-or-atrophy", 2)!.Status.ShouldBe(RuleStatus.Candidate);
        DetectionRules.Current.ShouldNotContain(r => r.RuleId == "weakness-or-atrophy" && r.Version == 2);
    }

    [Fact]
    public void The_candidate_still_needs_two_days_of_weakness_and_twitching()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.MuscleWeakness);
        record.Episode(2);
        new WeaknessOrAtrophy(2).Evaluate(record.Facts(), record.Facts().Today(RecordBuilder.Now)).ShouldBeNull();

        var noTwitching = new RecordBuilder();
        noTwitching.Symptom(3, SymptomKind.MuscleAtrophy);
        new WeaknessOrAtrophy(2).Evaluate(noTwitching.Facts(), noTwitching.Facts().Today(RecordBuilder.Now)).ShouldBeNull();
    }
}
