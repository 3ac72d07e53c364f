using System.Text.Json.Serialization;
using EventHealth.Recording;

namespace EventHealth.Experiments;

// The experiment events of the catalog (docs/experiments.md, docs/recording.md). They live in the patient's stream like
// every other fact of the record, so an experiment replays with the entries it was judged on.

/// <summary>What an experiment measures each local day.</summary>
public enum ExperimentOutcome
{
    /// <summary>Twitch episodes that day (a day of the record without any episode counts as zero).</summary>
    DailyEpisodes,

    /// <summary>The mean intensity of that day's episodes (a day without episodes has no value).</summary>
    MeanIntensity,

    /// <summary>Cramps that day (a day of the record without any cramp counts as zero).</summary>
    CrampsPerDay,
}

/// <summary>A: the intervention is done. B: the comparison (nothing, or another intervention).</summary>
public enum ExperimentArm
{
    A,
    B,
}

/// <summary>One local day of the plan: which period of which pair, which arm, and whether it is a washout day.</summary>
/// <param name="Period">1 to 2 × pairs, in calendar order.</param>
/// <param name="DayOfPeriod">1 to periodDays.</param>
/// <param name="Washout">The first washoutDays of every period: followed like the others, never analysed.</param>
public sealed record ScheduledDay(DateOnly Date, int Pair, int Period, ExperimentArm Arm, int DayOfPeriod, bool Washout);

/// <summary>
/// The plan, fixed before any outcome is seen: the design the client asked for, the seed the server drew and the
/// schedule that seed gives (<see cref="ExperimentSchedule"/>), day by day.
/// </summary>
/// <param name="Dose">The dose or target as the patient states it ("300 mg", "2 L"): free text, masked on erasure.</param>
/// <param name="Comparison">Null: the B periods are periods without the intervention.</param>
/// <param name="ScheduleVersion">The version of the algorithm that turned the seed into the schedule.</param>
public sealed record ExperimentPlanned(
    Guid ExperimentId,
    InterventionKind Intervention,
    string? Dose,
    InterventionKind? Comparison,
    ExperimentOutcome Outcome,
    int PeriodDays,
    int Pairs,
    int WashoutDays,
    DateOnly StartDate,
    int Seed,
    int ScheduleVersion,
    IReadOnlyList<ScheduledDay> Schedule)
{
    [JsonIgnore]
    public DateOnly LastDay => Schedule[^1].Date;

    [JsonIgnore]
    public ExperimentDesign Design => new(ExperimentId, Intervention, Dose, Comparison, Outcome, PeriodDays, Pairs, WashoutDays, StartDate);
}

/// <summary>Stopped before the end. <paramref name="StoppedOn"/> is the patient's local day of the stop: it and later days are not analysed.</summary>
public sealed record ExperimentStopped(Guid ExperimentId, string Reason, DateOnly StoppedOn);

/// <summary>The analysis, appended once: a pure function (<see cref="ExperimentAnalysis.MethodVersion"/>) of the record up to <see cref="ExperimentAnalysis.ThroughVersion"/>.</summary>
public sealed record ExperimentConcluded(Guid ExperimentId, ExperimentAnalysis Analysis);

/// <summary>What the client chose: the part of a plan that tells a repeat of a plan from another plan under the same id.</summary>
public sealed record ExperimentDesign(
    Guid ExperimentId,
    InterventionKind Intervention,
    string? Dose,
    InterventionKind? Comparison,
    ExperimentOutcome Outcome,
    int PeriodDays,
    int Pairs,
    int WashoutDays,
    DateOnly StartDate);
