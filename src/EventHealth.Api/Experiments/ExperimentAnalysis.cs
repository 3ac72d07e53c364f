using System.Globalization;
using EventHealth.Detection;
using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.Experiments;

/// <summary>Why a day of the plan counts in the analysis or not.</summary>
public enum DayStatus
{
    /// <summary>Counts: its value enters its period's mean.</summary>
    Analysed,

    /// <summary>A washout day at the start of a period: followed, never analysed.</summary>
    Washout,

    /// <summary>Before the record began (its earliest entry that still counts): not observed, so not a zero.</summary>
    BeforeRecord,

    /// <summary>Mean intensity only: no episode that day, so no intensity to average.</summary>
    NoValue,

    /// <summary>After the last analysed day (not over yet, or on or after a stop).</summary>
    NotAnalysed,
}

/// <summary>One day of the plan as the analysis saw it, with the entries behind its value and its adherence.</summary>
/// <param name="Adhered">The day followed the schedule (docs/experiments.md); false for days not yet over.</param>
/// <param name="OutcomeEntries">The entries that make the day's value (episodes or cramps), by occurredAt.</param>
/// <param name="InterventionEntries">The intervention (and comparison) entries of that day, which decide adherence.</param>
public sealed record AnalysedDay(
    DateOnly Date, int Pair, int Period, ExperimentArm Arm, int DayOfPeriod, DayStatus Status, double? Value, bool Adhered,
    IReadOnlyList<Guid> OutcomeEntries, IReadOnlyList<Guid> InterventionEntries);

/// <param name="Complete">Every day of the period is on or before the last analysed day; only complete periods enter pairs.</param>
/// <param name="Mean">Mean of the analysed days' values (null without any).</param>
/// <param name="AdheredMean">The same over analysed days that followed the schedule.</param>
/// <param name="Entries">Outcome entries on the analysed days.</param>
public sealed record PeriodFigures(
    int Period, int Pair, ExperimentArm Arm, DateOnly From, DateOnly To, bool Complete,
    int DaysAnalysed, double? Mean, int AdheredDaysAnalysed, double? AdheredMean, int Entries);

/// <summary>The effect over the pairs whose two periods both have a mean: B − A per pair, its mean, interval and exact p-value.</summary>
/// <param name="Pairs">Pairs used.</param>
/// <param name="Effect">Mean over pairs of (B period mean − A period mean): positive means more on B, i.e. fewer or lower on A.</param>
/// <param name="IntervalLow">95% interval of the effect, t with pairs − 1 degrees of freedom (at least 2 pairs).</param>
/// <param name="PValue">Two-sided exact randomisation test: the share of the 2^pairs orders the design could have drawn whose effect is at least as far from zero.</param>
/// <param name="SmallestPossiblePValue">2 / 2^pairs: the lowest p-value this many pairs can ever give.</param>
public sealed record EffectFigures(
    int Pairs, double? MeanA, double? MeanB, double? Effect, double? IntervalLow, double? IntervalHigh, double? PValue,
    double? SmallestPossiblePValue, IReadOnlyList<double> PairDifferences);

/// <summary>The analysis of an experiment, as stored in <see cref="ExperimentConcluded"/> and reproduced by the explanation.</summary>
/// <param name="ThroughVersion">The last stream version the analysis read.</param>
/// <param name="RecordBegan">The local day the record began (<see cref="RecordFacts.ObservationStart"/>); null without entries.</param>
/// <param name="DaysFollowed">Days up to the last analysed day (washout included) that followed the schedule, of <paramref name="DaysElapsed"/>.</param>
public sealed record ExperimentAnalysis(
    int MethodVersion,
    long ThroughVersion,
    ExperimentOutcome Outcome,
    DateOnly? RecordBegan,
    DateOnly LastDayAnalysed,
    bool StoppedEarly,
    int DaysElapsed,
    int DaysFollowed,
    IReadOnlyList<PeriodFigures> Periods,
    EffectFigures AsPlanned,
    EffectFigures AdheredOnly,
    string Verdict);

/// <summary>The analysis and the day-by-day workings behind it.</summary>
public sealed record ExperimentWorkings(IReadOnlyList<AnalysedDay> Days, ExperimentAnalysis Analysis);

/// <summary>
/// The analysis of an N-of-1 experiment (docs/experiments.md). A pure, versioned function of the record up to a
/// version, like the detection rules: the same events give the same figures and the same words, byte for byte
/// (no clock, culture-invariant text, values in schedule order). Changing the method is a new <see cref="MethodVersion"/>.
/// </summary>
public static class ExperimentAnalyzer
{
    public const int MethodVersion = 1;

    /// <summary>Two-sided p-values at or below this are called unlikely to be chance alone.</summary>
    public const double Alpha = 0.05;

    /// <summary>The conclusion: every period up to the last day of the plan, or up to the day before a stop.</summary>
    public static ExperimentWorkings Conclude(ExperimentPlanned plan, ExperimentStopped? stop, RecordFacts facts)
    {
        var lastDay = stop is null || stop.StoppedOn > plan.LastDay ? plan.LastDay : stop.StoppedOn.AddDays(-1);
        return Work(plan, facts, lastDay, stoppedEarly: stop is not null && stop.StoppedOn <= plan.LastDay);
    }

    /// <summary>The analysis as if the experiment ended after <paramref name="lastDay"/>: the running view's adherence so far.</summary>
    public static ExperimentWorkings Work(ExperimentPlanned plan, RecordFacts facts, DateOnly lastDay, bool stoppedEarly)
    {
        // Days before it are not zero-twitch days, just days nobody recorded: detection's one definition.
        var began = facts.ObservationStart;
        var first = plan.Schedule[0].Date;
        var byDay = facts.Entries.Where(f => f.Day >= first && f.Day <= plan.LastDay).ToLookup(f => f.Day);

        var days = new List<AnalysedDay>(plan.Schedule.Count);
        foreach (var scheduled in plan.Schedule)
        {
            var entries = byDay[scheduled.Date].ToList();
            var outcome = entries.Where(f => CountsFor(plan.Outcome, f.Entry)).ToList();
            var interventions = entries.Where(f => f.Entry is InterventionApplied applied && (applied.Kind == plan.Intervention || applied.Kind == plan.Comparison)).ToList();
            var elapsed = scheduled.Date <= lastDay;
            var status = !elapsed ? DayStatus.NotAnalysed
                : scheduled.Washout ? DayStatus.Washout
                : began is not { } start || scheduled.Date < start ? DayStatus.BeforeRecord
                : plan.Outcome == ExperimentOutcome.MeanIntensity && outcome.Count == 0 ? DayStatus.NoValue
                : DayStatus.Analysed;
            double? value = status != DayStatus.Analysed ? null
                : plan.Outcome == ExperimentOutcome.MeanIntensity ? outcome.Average(f => ((TwitchEpisodeRecorded)f.Entry).Intensity)
                : outcome.Count;
            days.Add(new AnalysedDay(scheduled.Date, scheduled.Pair, scheduled.Period, scheduled.Arm, scheduled.DayOfPeriod, status, Rounded(value),
                elapsed && Followed(plan, scheduled.Arm, interventions.Select(f => ((InterventionApplied)f.Entry).Kind).ToHashSet()),
                outcome.Select(f => f.EntryId).ToList(), interventions.Select(f => f.EntryId).ToList()));
        }

        var periods = days.GroupBy(d => d.Period).OrderBy(g => g.Key).Select(g =>
        {
            var analysed = g.Where(d => d.Status == DayStatus.Analysed).ToList();
            var adhered = analysed.Where(d => d.Adhered).ToList();
            return new PeriodFigures(g.Key, g.First().Pair, g.First().Arm, g.First().Date, g.Last().Date, g.Last().Date <= lastDay,
                analysed.Count, Mean(analysed), adhered.Count, Mean(adhered), analysed.Sum(d => d.OutcomeEntries.Count));
        }).ToList();

        var asPlanned = Effect(Pairs(periods, p => p.Mean));
        var adheredOnly = Effect(Pairs(periods, p => p.AdheredMean));
        var elapsedDays = days.Where(d => d.Date <= lastDay).ToList();
        var analysis = new ExperimentAnalysis(MethodVersion, facts.Version, plan.Outcome, began, lastDay, stoppedEarly,
            elapsedDays.Count, elapsedDays.Count(d => d.Adhered), periods, asPlanned, adheredOnly, "");
        return new ExperimentWorkings(days, analysis with { Verdict = Verdict(plan, analysis) });
    }

    /// <summary>
    /// A day follows the schedule when, on an A day, the intervention was logged that local day (and the comparison, if
    /// one, was not); on a B day, the intervention was not logged (and the comparison, if one, was).
    /// </summary>
    public static bool Followed(ExperimentPlanned plan, ExperimentArm arm, IReadOnlySet<InterventionKind> logged)
    {
        var tookIntervention = logged.Contains(plan.Intervention);
        var tookComparison = plan.Comparison is { } comparison && logged.Contains(comparison);
        return arm == ExperimentArm.A
            ? tookIntervention && !tookComparison
            : !tookIntervention && (plan.Comparison is null || tookComparison);
    }

    private static bool CountsFor(ExperimentOutcome outcome, IPatientEntry entry) => outcome switch
    {
        ExperimentOutcome.CrampsPerDay => entry is CrampRecorded,
        _ => entry is TwitchEpisodeRecorded,
    };

    private static double? Mean(List<AnalysedDay> days) => days.Count == 0 ? null : Rounded(days.Sum(d => d.Value!.Value) / days.Count);

    /// <summary>(A mean, B mean) of every pair whose two periods are complete and both have a mean, in pair order.</summary>
    private static List<(double A, double B)> Pairs(List<PeriodFigures> periods, Func<PeriodFigures, double?> mean) =>
        periods.GroupBy(p => p.Pair).OrderBy(g => g.Key)
            .Select(g => (A: g.Single(p => p.Arm == ExperimentArm.A), B: g.Single(p => p.Arm == ExperimentArm.B)))
            .Where(pair => pair.A.Complete && pair.B.Complete && mean(pair.A) is not null && mean(pair.B) is not null)
            .Select(pair => (mean(pair.A)!.Value, mean(pair.B)!.Value))
            .ToList();

    /// <summary>Mean difference, t interval and exact two-sided randomisation p-value over the pairs (pure statistics).</summary>
    public static EffectFigures Effect(IReadOnlyList<(double A, double B)> pairs)
    {
        var n = pairs.Count;
        if (n == 0)
        {
            return new EffectFigures(0, null, null, null, null, null, null, null, []);
        }

        var differences = pairs.Select(p => p.B - p.A).ToList();
        var mean = differences.Sum() / n;
        double? low = null, high = null;
        if (n >= 2)
        {
            var sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (n - 1));
            var half = TQuantile975(n - 1) * sd / Math.Sqrt(n);
            low = Rounded(mean - half);
            high = Rounded(mean + half);
        }

        return new EffectFigures(n, Rounded(pairs.Sum(p => p.A) / n), Rounded(pairs.Sum(p => p.B) / n), Rounded(mean), low, high,
            RandomisationPValue(differences), SmallestPValue(n), differences.Select(d => Rounded(d)!.Value).ToList());
    }

    /// <summary>
    /// Exact randomisation test of "no effect": under it, each pair's order was a fair coin, so each difference was as
    /// likely with either sign. p is the share of all 2^n sign patterns whose |sum| is at least the observed |sum|.
    /// </summary>
    public static double RandomisationPValue(IReadOnlyList<double> differences)
    {
        var n = differences.Count;
        var observed = Math.Abs(differences.Sum());
        var tolerance = 1e-9 * (1 + observed);
        var atLeast = 0;
        for (var signs = 0; signs < 1 << n; signs++)
        {
            var sum = 0.0;
            for (var i = 0; i < n; i++)
            {
                sum += (signs & (1 << i)) == 0 ? differences[i] : -differences[i];
            }

            if (Math.Abs(sum) >= observed - tolerance)
            {
                atLeast++;
            }
        }

        return (double)atLeast / (1 << n);
    }

    /// <summary>The observed order and its mirror image always tie: no design of n pairs goes below 2 / 2^n.</summary>
    public static double SmallestPValue(int pairs) => Math.Min(1.0, 2.0 / (1 << pairs));

    /// <summary>
    /// The 0.975 quantile of Student's t for 1 to 7 degrees of freedom (2 to 8 pairs), as tabulated in the NIST/SEMATECH
    /// e-Handbook of Statistical Methods, section 1.3.6.7.2 (critical values of the t distribution).
    /// </summary>
    public static double TQuantile975(int degreesOfFreedom) => degreesOfFreedom switch
    {
        1 => 12.706,
        2 => 4.303,
        3 => 3.182,
        4 => 2.776,
        5 => 2.571,
        6 => 2.447,
        7 => 2.365,
        _ => throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "the design has 2 to 8 pairs"),
    };

    /// <summary>Plain words that never say more than the figures: direction and size, the p-value, what the design can show at all, adherence.</summary>
    public static string Verdict(ExperimentPlanned plan, ExperimentAnalysis analysis)
    {
        var effect = analysis.AsPlanned;
        var (noun, fewer, more, unit) = plan.Outcome switch
        {
            ExperimentOutcome.MeanIntensity => ("twitch intensity", "lower", "higher", "out of 10"),
            ExperimentOutcome.CrampsPerDay => ("cramps", "fewer", "more", "a day"),
            _ => ("twitches", "fewer", "more", "a day"),
        };
        var intervention = EntrySummaries.Words(plan.Intervention);
        var versus = plan.Comparison is { } comparison ? $" than on {EntrySummaries.Words(comparison)} periods" : "";
        var parts = new List<string>();
        if (effect.Pairs == 0)
        {
            parts.Add("no pair of periods has analysable days on both sides, so nothing can be said about the effect");
        }
        else
        {
            var direction = effect.Effect > 0 ? fewer : effect.Effect < 0 ? more : null;
            var figures = $"{Number(effect.MeanA)} vs {Number(effect.MeanB)} {unit}";
            parts.Add(direction is null
                ? $"no difference in {noun} between {intervention} periods and the others: {figures}"
                : $"{direction} {noun} on {intervention} periods{versus}: {figures}");
            parts.Add(effect.PValue <= Alpha
                ? $"unlikely to be chance alone (p = {P(effect.PValue!.Value)})"
                : $"consistent with chance (p = {P(effect.PValue!.Value)})");
            if (effect.SmallestPossiblePValue > Alpha)
            {
                parts.Add($"with {effect.Pairs} {(effect.Pairs == 1 ? "pair" : "pairs")} no result can reach 0.05 (the smallest possible p is {P(effect.SmallestPossiblePValue!.Value)}), so this design cannot show a difference");
            }
        }

        if (analysis.StoppedEarly)
        {
            parts.Add($"stopped early: {effect.Pairs} of {plan.Pairs} pairs analysed");
        }

        parts.Add($"the schedule was followed on {analysis.DaysFollowed} of {analysis.DaysElapsed} days");
        var adhered = analysis.AdheredOnly;
        if (adhered.Pairs > 0 && analysis.DaysFollowed < analysis.DaysElapsed)
        {
            parts.Add($"on followed days only: {Number(adhered.MeanA)} vs {Number(adhered.MeanB)} {unit} over {adhered.Pairs} pairs (p = {P(adhered.PValue!.Value)})");
        }

        return string.Join("; ", parts);
    }

    private static string Number(double? value) => value!.Value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string P(double p) => p.ToString(p < 0.001 ? "0.0000" : "0.###", CultureInfo.InvariantCulture);

    /// <summary>Stored figures keep four decimals: enough for any reader, and the same text on every machine.</summary>
    private static double? Rounded(double? value) => value is { } v ? Math.Round(v, 4, MidpointRounding.ToEven) : null;
}
