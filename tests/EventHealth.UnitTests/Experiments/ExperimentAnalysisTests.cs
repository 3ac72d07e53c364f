using System.Text.Json;
using EventHealth.Experiments;
using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Experiments;

/// <summary>The analysis on constructed series: every figure checked against a hand computation.</summary>
public sealed class ExperimentAnalysisTests
{
    /// <summary>
    /// 3 pairs of 3 days, magnesium taken on every A day. Period means A/B: pair 1 1/3, pair 2 2/3, pair 3 1/4, so the
    /// differences B - A are 2, 1, 3. By hand: mean 2; sd = sqrt(((0)² + (-1)² + (1)²) / 2) = 1; half-width
    /// t(0.975, 2) × 1 / √3 = 4.303 / 1.7321 = 2.4843, interval -0.4843 to 4.4843. Randomisation: of the 8 sign patterns
    /// of (2, 1, 3) only +++ and --- reach |sum| 6, so p = 2/8 = 0.25, which is also the smallest p 3 pairs can give.
    /// </summary>
    [Fact]
    public void A_known_effect_is_recovered_with_its_interval_and_exact_p_value()
    {
        var record = new ExperimentRecord().Planned(pairs: 3, periodDays: 3);
        var perPair = new[] { (A: 1, B: 3), (A: 2, B: 3), (A: 1, B: 4) };
        for (var pair = 1; pair <= 3; pair++)
        {
            foreach (var day in record.Days(pair, ExperimentArm.A))
            {
                record.Episodes(day.Date, perPair[pair - 1].A);
                record.Magnesium(day.Date);
            }

            foreach (var day in record.Days(pair, ExperimentArm.B))
            {
                record.Episodes(day.Date, perPair[pair - 1].B);
            }
        }

        var analysis = record.Conclude().Analysis;

        var effect = analysis.AsPlanned;
        effect.Pairs.ShouldBe(3);
        effect.PairDifferences.ShouldBe(new double[] { 2, 1, 3 });
        effect.Effect.ShouldBe(2);
        effect.MeanA.ShouldBe(1.3333);
        effect.MeanB.ShouldBe(3.3333);
        effect.IntervalLow.ShouldBe(-0.4843);
        effect.IntervalHigh.ShouldBe(4.4843);
        effect.PValue.ShouldBe(0.25);
        effect.SmallestPossiblePValue.ShouldBe(0.25);
        analysis.DaysFollowed.ShouldBe(18);
        analysis.Periods.Select(p => p.Mean).ShouldBe(record.Plan.Schedule.GroupBy(d => d.Period).Select(g => (double?)perPair[g.First().Pair - 1].ForArm(g.First().Arm)));
        analysis.Verdict.ShouldBe("fewer twitches on magnesium supplement periods: 1.3 vs 3.3 a day; consistent with chance (p = 0.25); "
            + "with 3 pairs no result can reach 0.05 (the smallest possible p is 0.25), so this design cannot show a difference; "
            + "the schedule was followed on 18 of 18 days");
    }

    [Fact]
    public void Eight_pairs_with_a_consistent_effect_can_reach_the_smallest_p_value()
    {
        var record = new ExperimentRecord().Planned(pairs: 8, periodDays: 3);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, day.Arm == ExperimentArm.A ? 1 : 2 + (day.Pair % 3));
        }

        var effect = record.Conclude().Analysis.AsPlanned;

        effect.PValue.ShouldBe(2.0 / 256);
        effect.SmallestPossiblePValue.ShouldBe(2.0 / 256);
        effect.IntervalLow!.Value.ShouldBeGreaterThan(0);
        record.Conclude().Analysis.Verdict.ShouldStartWith("fewer twitches on magnesium supplement periods: 1.0 vs 3.1 a day; unlikely to be chance alone (p = 0.008)");
    }

    [Fact]
    public void No_effect_gives_no_difference_and_p_of_one()
    {
        var record = new ExperimentRecord().Planned(pairs: 4, periodDays: 5);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, 2);
            if (day.Arm == ExperimentArm.A)
            {
                record.Magnesium(day.Date);
            }
        }

        var analysis = record.Conclude().Analysis;

        analysis.AsPlanned.Effect.ShouldBe(0);
        analysis.AsPlanned.PValue.ShouldBe(1);
        analysis.AsPlanned.IntervalLow.ShouldBe(0);
        analysis.Verdict.ShouldStartWith("no difference in twitches between magnesium supplement periods and the others: 2.0 vs 2.0 a day; consistent with chance (p = 1)");
    }

    /// <summary>
    /// Magnesium works (1 episode on days it is taken, 3 on days it is not), but it was taken on only half the A days and on
    /// half the B days: as planned, both arms average 2 and the effect vanishes; on followed days only it is 3 - 1 = 2.
    /// </summary>
    [Fact]
    public void An_effect_hidden_by_non_adherence_shows_among_followed_days()
    {
        var record = new ExperimentRecord().Planned(pairs: 4, periodDays: 4);
        foreach (var day in record.Plan.Schedule)
        {
            var taken = day.DayOfPeriod % 2 == 0;
            record.Episodes(day.Date, taken ? 1 : 3);
            if (taken)
            {
                record.Magnesium(day.Date);
            }
        }

        var analysis = record.Conclude().Analysis;

        analysis.AsPlanned.Effect.ShouldBe(0);
        analysis.AsPlanned.PValue.ShouldBe(1);
        analysis.AdheredOnly.Pairs.ShouldBe(4);
        analysis.AdheredOnly.MeanA.ShouldBe(1);
        analysis.AdheredOnly.MeanB.ShouldBe(3);
        analysis.AdheredOnly.Effect.ShouldBe(2);
        analysis.AdheredOnly.PValue.ShouldBe(2.0 / 16);
        analysis.DaysFollowed.ShouldBe(16);
        analysis.DaysElapsed.ShouldBe(32);
        analysis.Verdict.ShouldContain("the schedule was followed on 16 of 32 days; on followed days only: 1.0 vs 3.0 a day over 4 pairs (p = 0.125)");
    }

    [Fact]
    public void Washout_days_are_followed_but_never_analysed()
    {
        var record = new ExperimentRecord().Planned(pairs: 2, periodDays: 5, washoutDays: 2);
        foreach (var day in record.Plan.Schedule)
        {
            // Carry-over: washout days still show the previous period; they must not count.
            record.Episodes(day.Date, day.Washout ? 10 : day.Arm == ExperimentArm.A ? 1 : 2);
        }

        var workings = record.Conclude();

        workings.Days.Count(d => d.Status == DayStatus.Washout).ShouldBe(8);
        workings.Days.Where(d => d.Washout()).ShouldAllBe(d => d.Value == null && d.DayOfPeriod <= 2);
        workings.Analysis.Periods.ShouldAllBe(p => p.DaysAnalysed == 3);
        workings.Analysis.AsPlanned.MeanA.ShouldBe(1);
        workings.Analysis.AsPlanned.MeanB.ShouldBe(2);
    }

    [Fact]
    public void Days_before_the_record_began_are_not_zero_days_but_later_empty_days_are()
    {
        var record = new ExperimentRecord().Planned(pairs: 2, periodDays: 4);
        var firstPeriod = record.Plan.Schedule.Where(d => d.Period == 1).ToList();
        // The record's first entry is on day 3 of the first period; day 4 of that period has no entry at all.
        record.Episodes(firstPeriod[2].Date, 2);
        foreach (var day in record.Plan.Schedule.Where(d => d.Period > 1))
        {
            record.Episodes(day.Date, 1);
        }

        var workings = record.Conclude();

        workings.Analysis.RecordBegan.ShouldBe(firstPeriod[2].Date);
        workings.Days.Where(d => d.Period == 1).Select(d => d.Status)
            .ShouldBe([DayStatus.BeforeRecord, DayStatus.BeforeRecord, DayStatus.Analysed, DayStatus.Analysed]);
        workings.Days.Single(d => d.Date == firstPeriod[3].Date).Value.ShouldBe(0);
        workings.Analysis.Periods[0].Mean.ShouldBe(1); // (2 + 0) / 2 days, not (0 + 0 + 2 + 0) / 4
    }

    /// <summary>
    /// Auckland is 12 hours ahead of UTC once daylight time ends (5 April 2026); the plan starts on 6 April.
    /// An episode at 00:30 local on the first day of period 2 is on the previous day in UTC: it belongs to period 2.
    /// </summary>
    [Fact]
    public void Entries_count_on_the_patients_local_day()
    {
        var record = new ExperimentRecord("Pacific/Auckland").Planned(pairs: 2, periodDays: 3);
        record.Intake(record.Plan.StartDate.AddDays(-1));
        var secondPeriodStart = record.Plan.Schedule.First(d => d.Period == 2).Date;
        var justAfterMidnight = record.Episodes(secondPeriodStart, 1, at: new TimeOnly(0, 30)).Single();
        var lateEvening = record.Episodes(secondPeriodStart.AddDays(-1), 1, at: new TimeOnly(23, 45)).Single();
        record.Local(secondPeriodStart, new TimeOnly(0, 30)).UtcDateTime.Date.ShouldBe(secondPeriodStart.AddDays(-1).ToDateTime(TimeOnly.MinValue));

        var days = record.Conclude().Days;

        days.Single(d => d.Date == secondPeriodStart).OutcomeEntries.ShouldBe([justAfterMidnight]);
        days.Single(d => d.Date == secondPeriodStart).Period.ShouldBe(2);
        days.Single(d => d.Date == secondPeriodStart.AddDays(-1)).OutcomeEntries.ShouldBe([lateEvening]);
        days.Single(d => d.Date == secondPeriodStart.AddDays(-1)).Period.ShouldBe(1);
    }

    [Fact]
    public void A_stop_analyses_only_the_pairs_completed_before_the_stop_day()
    {
        var record = new ExperimentRecord().Planned(pairs: 4, periodDays: 3);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, day.Arm == ExperimentArm.A ? 1 : 2);
        }

        var thirdPairStart = record.Plan.Schedule.First(d => d.Pair == 3).Date;
        record.Stopped(thirdPairStart.AddDays(1));

        var workings = record.Conclude();

        workings.Analysis.StoppedEarly.ShouldBeTrue();
        workings.Analysis.LastDayAnalysed.ShouldBe(thirdPairStart);
        workings.Analysis.AsPlanned.Pairs.ShouldBe(2);
        workings.Analysis.AsPlanned.SmallestPossiblePValue.ShouldBe(0.5);
        workings.Analysis.Periods.Where(p => p.Pair >= 3).ShouldAllBe(p => !p.Complete);
        workings.Days.Where(d => d.Date > thirdPairStart).ShouldAllBe(d => d.Status == DayStatus.NotAnalysed);
        workings.Analysis.Verdict.ShouldContain("stopped early: 2 of 4 pairs analysed");
        workings.Analysis.Verdict.ShouldContain("with 2 pairs no result can reach 0.05 (the smallest possible p is 0.5)");
    }

    [Fact]
    public void Retracted_entries_do_not_count()
    {
        var record = new ExperimentRecord().Planned(pairs: 2, periodDays: 3);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, 1);
        }

        var aDay = record.Days(1, ExperimentArm.A).First().Date;
        foreach (var extra in record.Episodes(aDay, 3))
        {
            record.Retract(extra);
        }

        record.Conclude().Analysis.AsPlanned.Effect.ShouldBe(0);
    }

    [Fact]
    public void Mean_intensity_leaves_out_days_without_episodes_and_cramps_count_cramps()
    {
        var record = new ExperimentRecord().Planned(pairs: 2, periodDays: 3, outcome: ExperimentOutcome.MeanIntensity);
        record.Intake(record.Plan.StartDate);
        foreach (var day in record.Plan.Schedule.Where(d => d.DayOfPeriod == 1))
        {
            record.Episodes(day.Date, 1, intensity: day.Arm == ExperimentArm.A ? 3 : 6);
            record.Cramp(day.Date);
        }

        var workings = record.Conclude();

        workings.Days.Count(d => d.Status == DayStatus.NoValue).ShouldBe(8);
        workings.Analysis.AsPlanned.Effect.ShouldBe(3);
        workings.Analysis.Verdict.ShouldStartWith("lower twitch intensity on magnesium supplement periods: 3.0 vs 6.0 out of 10");
    }

    [Fact]
    public void With_a_comparison_intervention_a_B_day_is_followed_when_the_comparison_was_done_instead()
    {
        var record = new ExperimentRecord().Planned(pairs: 2, periodDays: 3, comparison: InterventionKind.Stretching);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, 1);
            if (day.Arm == ExperimentArm.A)
            {
                record.Magnesium(day.Date);
            }
            else if (day.DayOfPeriod == 1)
            {
                record.Intervention(day.Date, InterventionKind.Stretching);
            }
        }

        var workings = record.Conclude();

        workings.Days.Where(d => d.Arm == ExperimentArm.B).Select(d => d.Adhered).ShouldBe([true, false, false, true, false, false]);
        workings.Analysis.Verdict.ShouldContain("the schedule was followed on 8 of 12 days");
    }

    [Fact]
    public void The_analysis_is_the_same_text_every_time_and_survives_storage()
    {
        var record = new ExperimentRecord().Planned(pairs: 5, periodDays: 7, washoutDays: 1);
        var random = new Random(7);
        foreach (var day in record.Plan.Schedule)
        {
            record.Episodes(day.Date, random.Next(0, 5));
        }

        var first = ExplainExperiment(record.Conclude().Analysis);
        var second = ExplainExperiment(record.Conclude().Analysis);
        var stored = JsonSerializer.Deserialize<ExperimentAnalysis>(first, JsonSetup.Options)!;

        second.ShouldBe(first);
        ExplainExperiment(stored).ShouldBe(first);
    }

    private static string ExplainExperiment(ExperimentAnalysis analysis) => ExplainExperimentEndpoint.Canonical(analysis);
}

internal static class AnalysisTestExtensions
{
    public static int ForArm(this (int A, int B) means, ExperimentArm arm) => arm == ExperimentArm.A ? means.A : means.B;

    public static bool Washout(this AnalysedDay day) => day.Status == DayStatus.Washout;
}
