using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

/// <summary>One group per line of the article's list (detection.md), each with its boundary just outside.</summary>
public sealed class RuleTests
{
    /// <summary>The versions in force, as the live run uses them.</summary>
    private static class Live
    {
        public static readonly IDetectionRule WeaknessOrAtrophy = DetectionRules.Current.Single(r => r.RuleId == "weakness-or-atrophy");
        public static readonly IDetectionRule WorseningAffectingMobility = DetectionRules.Current.Single(r => r.RuleId == "worsening-affecting-mobility");
        public static readonly IDetectionRule WorseningTrend = DetectionRules.Current.Single(r => r.RuleId == "worsening-trend");
    }

    private static RuleMatch? Run(IDetectionRule rule, RecordBuilder record) =>
        rule.Evaluate(record.Facts(), record.Facts().Today(RecordBuilder.Now));

    // "Persistent muscle weakness or atrophy alongside twitching."
    [Fact]
    public void Weakness_on_two_days_with_twitching_is_urgent()
    {
        var record = new RecordBuilder();
        var weak1 = record.Symptom(13, SymptomKind.MuscleWeakness);
        var weak2 = record.Symptom(2, SymptomKind.MuscleAtrophy);
        var episode = record.Episode(5);

        var match = Run(Live.WeaknessOrAtrophy, record).ShouldNotBeNull();
        match.Severity.ShouldBe(AlertSeverity.Urgent);
        match.Evidence.ShouldBe([weak1, episode, weak2]);
    }

    [Fact]
    public void Weakness_on_days_13_and_14_ago_is_outside_the_14_day_window()
    {
        var record = new RecordBuilder();
        record.Symptom(14, SymptomKind.MuscleWeakness); // 15th day back: outside "today and the 13 days before"
        record.Symptom(1, SymptomKind.MuscleWeakness);
        record.Episode(1);
        Run(Live.WeaknessOrAtrophy, record).ShouldBeNull();
    }

    [Fact]
    public void Weakness_on_one_day_only_does_not_match_even_reported_twice()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.MuscleWeakness);
        record.Symptom(3, SymptomKind.MuscleWeakness);
        record.Episode(3);
        Run(Live.WeaknessOrAtrophy, record).ShouldBeNull();
    }

    [Fact]
    public void Weakness_without_twitching_does_not_match()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.MuscleWeakness);
        record.Symptom(1, SymptomKind.MuscleWeakness);
        record.Episode(20);
        Run(Live.WeaknessOrAtrophy, record).ShouldBeNull();
    }

    [Fact]
    public void Retracted_weakness_does_not_count()
    {
        var record = new RecordBuilder();
        record.Symptom(3, SymptomKind.MuscleWeakness);
        record.Retract(record.Symptom(1, SymptomKind.MuscleWeakness));
        record.Episode(1);
        Run(Live.WeaknessOrAtrophy, record).ShouldBeNull();
    }

    // "Twitching that worsens over time and affects mobility."
    private static RecordBuilder Worsening(int latestEpisodes, int earlierEpisodes)
    {
        var record = new RecordBuilder();
        record.Trigger(30, TriggerKind.Stress);
        record.TrackEveryDay(27); // every day of both halves was observed
        for (var i = 0; i < earlierEpisodes; i++)
        {
            record.Episode(14 + (i % 14));
        }

        for (var i = 0; i < latestEpisodes; i++)
        {
            record.Episode(i % 14);
        }

        return record;
    }

    [Fact]
    public void Six_episodes_against_four_with_difficulty_walking_is_urgent()
    {
        var record = Worsening(latestEpisodes: 6, earlierEpisodes: 4);
        var walking = record.Symptom(2, SymptomKind.DifficultyWalking);

        var match = Run(Live.WorseningAffectingMobility, record).ShouldNotBeNull();
        match.Severity.ShouldBe(AlertSeverity.Urgent);
        match.Evidence.ShouldContain(walking);
        match.Evidence.Count.ShouldBe(11);
    }

    [Fact]
    public void Five_episodes_are_not_enough_however_few_came_before()
    {
        var record = Worsening(latestEpisodes: 5, earlierEpisodes: 0);
        record.Symptom(2, SymptomKind.DifficultyWalking);
        Run(Live.WorseningAffectingMobility, record).ShouldBeNull();
    }

    [Fact]
    public void Less_than_one_and_a_half_times_the_earlier_count_is_not_worsening()
    {
        var record = Worsening(latestEpisodes: 8, earlierEpisodes: 6); // 8 < 9
        record.Symptom(2, SymptomKind.DifficultyWalking);
        Run(Live.WorseningAffectingMobility, record).ShouldBeNull();
    }

    [Fact]
    public void Version_1_compared_the_halves_only_for_a_record_older_than_28_days()
    {
        var v1Mobility = new WorseningAffectingMobility(1);
        var v1Trend = new WorseningTrend(1);
        var record = new RecordBuilder();
        for (var day = 20; day >= 0; day -= 2)
        {
            record.Episode(day);
        }

        record.Symptom(1, SymptomKind.DifficultyWalking);
        Run(v1Mobility, record).ShouldBeNull();
        Run(v1Trend, record).ShouldBeNull();

        record.Trigger(27, TriggerKind.Caffeine); // now the record reaches back to the first day of the earlier half
        Run(v1Mobility, record).ShouldNotBeNull().RuleVersion.ShouldBe(1);
    }

    [Fact]
    public void Intensity_up_two_points_with_three_episodes_each_half_is_worsening()
    {
        var record = new RecordBuilder();
        record.Trigger(30, TriggerKind.Stress);
        foreach (var day in new[] { 20, 18, 16 })
        {
            record.Episode(day, intensity: 3);
        }

        foreach (var day in new[] { 6, 4, 2 })
        {
            record.Episode(day, intensity: 5);
        }

        record.Symptom(1, SymptomKind.DifficultyWalking);
        Run(Live.WorseningAffectingMobility, record).ShouldNotBeNull();

        var almost = new RecordBuilder();
        almost.Trigger(30, TriggerKind.Stress);
        foreach (var (day, intensity) in new[] { (20, 3), (18, 3), (16, 3), (6, 5), (4, 5), (2, 4) })
        {
            almost.Episode(day, intensity);
        }

        almost.Symptom(1, SymptomKind.DifficultyWalking);
        Run(Live.WorseningAffectingMobility, almost).ShouldBeNull(); // up 1.67 points
    }

    [Fact]
    public void Worsening_with_walking_difficulty_older_than_14_days_is_only_the_advisory_trend()
    {
        var record = Worsening(latestEpisodes: 6, earlierEpisodes: 2);
        record.Symptom(14, SymptomKind.DifficultyWalking);

        Run(Live.WorseningAffectingMobility, record).ShouldBeNull();
        Run(Live.WorseningTrend, record).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Advisory);
    }

    // "Coordination problems or balance issues."
    [Theory]
    [InlineData(SymptomKind.CoordinationProblem, 6, true)]
    [InlineData(SymptomKind.BalanceProblem, 0, true)]
    [InlineData(SymptomKind.BalanceProblem, 7, false)]
    public void Coordination_or_balance_in_the_latest_7_days_is_urgent(SymptomKind kind, int daysAgo, bool matches)
    {
        var record = new RecordBuilder();
        record.Symptom(daysAgo, kind);
        var match = Run(new CoordinationOrBalance(), record);
        (match is not null).ShouldBe(matches);
        match?.Severity.ShouldBe(AlertSeverity.Urgent);
    }

    // "Sudden, severe cramps that disrupt daily life."
    [Theory]
    [InlineData(7, true, true, 6, true)]
    [InlineData(6, true, true, 1, false)]
    [InlineData(9, false, true, 1, false)]
    [InlineData(9, true, false, 1, false)]
    [InlineData(9, true, true, 7, false)]
    public void Sudden_severe_disruptive_cramp_in_the_latest_7_days_is_urgent(int severity, bool sudden, bool disrupted, int daysAgo, bool matches)
    {
        var record = new RecordBuilder();
        record.Cramp(daysAgo, severity, sudden, disrupted);
        (Run(new SuddenSevereCramps(), record) is not null).ShouldBe(matches);
    }

    // "Numbness, tingling, or other neurological symptoms." and "speech issues".
    [Theory]
    [InlineData(SymptomKind.SpeechDifficulty)]
    [InlineData(SymptomKind.SwallowingDifficulty)]
    public void Speech_or_swallowing_difficulty_is_urgent(SymptomKind kind)
    {
        var record = new RecordBuilder();
        record.Symptom(6, kind);
        Run(new NeurologicalSymptoms(), record).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Urgent);
    }

    [Fact]
    public void Numbness_on_two_days_is_urgent_but_one_day_is_advisory()
    {
        var twoDays = new RecordBuilder();
        twoDays.Symptom(10, SymptomKind.Numbness);
        twoDays.Symptom(2, SymptomKind.Tingling);
        Run(new NeurologicalSymptoms(), twoDays).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Urgent);

        var oneDay = new RecordBuilder();
        var tingling = oneDay.Symptom(2, SymptomKind.Tingling);
        var advisory = Run(new NeurologicalSymptoms(), oneDay).ShouldNotBeNull();
        advisory.Severity.ShouldBe(AlertSeverity.Advisory);
        advisory.Evidence.ShouldBe([tingling]);
    }

    [Fact]
    public void Tingling_with_muscle_weakness_is_urgent()
    {
        var record = new RecordBuilder();
        record.Symptom(9, SymptomKind.Tingling);
        record.Symptom(12, SymptomKind.MuscleWeakness);
        Run(new NeurologicalSymptoms(), record).ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Urgent);
    }

    [Fact]
    public void A_single_tingling_report_8_days_ago_is_nothing()
    {
        var record = new RecordBuilder();
        record.Symptom(7, SymptomKind.Tingling);
        Run(new NeurologicalSymptoms(), record).ShouldBeNull();
    }

    [Fact]
    public void Retracted_speech_difficulty_does_not_count()
    {
        var record = new RecordBuilder();
        record.Retract(record.Symptom(1, SymptomKind.SpeechDifficulty));
        Run(new NeurologicalSymptoms(), record).ShouldBeNull();
    }

    // What must NOT alert: the benign fibromyalgia pattern.
    [Fact]
    public void The_benign_fluctuating_pattern_raises_nothing()
    {
        var record = new RecordBuilder();
        // Eight weeks of random, painless twitching going up and down with stress, poor sleep, caffeine and fatigue.
        var perDay = new[] { 0, 2, 1, 3, 0, 1, 4, 2, 0, 1, 2, 0, 3, 1, 1, 0, 2, 4, 1, 0, 2, 1, 0, 3, 2, 1, 0, 2 };
        for (var daysAgo = 55; daysAgo >= 0; daysAgo--)
        {
            for (var i = 0; i < perDay[daysAgo % perDay.Length]; i++)
            {
                record.Episode(daysAgo, intensity: 2 + ((daysAgo + i) % 4));
            }

            if (daysAgo % 5 == 0)
            {
                record.Trigger(daysAgo, (TriggerKind)(daysAgo / 5 % 4 == 0 ? 0 : daysAgo / 5 % 4 == 1 ? 2 : daysAgo / 5 % 4 == 2 ? 5 : 3));
            }
        }

        var evaluation = DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now);
        evaluation.Matches.ShouldBeEmpty();
        evaluation.Alerts.ShouldBeEmpty();
    }

    [Fact]
    public void Rules_are_deterministic_and_found_by_id_and_version()
    {
        var record = new RecordBuilder();
        record.Symptom(1, SymptomKind.BalanceProblem);
        DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now).ShouldBe(DetectionDecisions.Evaluate(record.Facts(), RecordBuilder.Now), new EvaluationComparer());
        DetectionRules.Find("coordination-or-balance", 1).ShouldNotBeNull();
        DetectionRules.Find("coordination-or-balance", 99).ShouldBeNull();
        DetectionRules.Current.Select(r => r.RuleId).ShouldBe([
            "weakness-or-atrophy", "worsening-affecting-mobility", "coordination-or-balance", "sudden-severe-cramps",
            "neurological-symptoms", "worsening-trend", "twitching-with-warning-signs"]);
    }

    private sealed class EvaluationComparer : IEqualityComparer<Evaluation>
    {
        public bool Equals(Evaluation? x, Evaluation? y) =>
            x!.Alerts.Select(a => (a.AlertId, a.RuleId, string.Join(",", a.Evidence))).SequenceEqual(y!.Alerts.Select(a => (a.AlertId, a.RuleId, string.Join(",", a.Evidence))))
            && x.NextReviewAt == y.NextReviewAt;

        public int GetHashCode(Evaluation obj) => obj.Alerts.Count;
    }
}
