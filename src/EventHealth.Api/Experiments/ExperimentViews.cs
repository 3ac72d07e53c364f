using EventHealth.Detection;
using EventHealth.Recording;

namespace EventHealth.Experiments;

public enum ExperimentStatus
{
    /// <summary>Before its first day.</summary>
    Planned,
    Running,

    /// <summary>Its last day is over; not concluded yet.</summary>
    Finished,

    /// <summary>Stopped early; not concluded yet.</summary>
    Stopped,
    Concluded,
}

/// <summary>What today is in the plan. <paramref name="NextSwitch"/>: the next day whose arm differs from today's, with that arm.</summary>
public sealed record ExperimentToday(DateOnly Date, ExperimentArm Arm, int Pair, int Period, int DayOfPeriod, bool Washout, DateOnly? NextSwitch, ExperimentArm? NextArm);

/// <summary>Adherence over the days already over (today is not, until it ends), washout days included.</summary>
public sealed record ExperimentAdherence(int DaysElapsed, int DaysFollowed, int ADays, int ADaysFollowed, int BDays, int BDaysFollowed);

public sealed record ExperimentStopView(string Reason, DateOnly StoppedOn, DateTimeOffset RecordedAt);

/// <param name="Today">Null before the first day and after the last one, and once stopped.</param>
/// <param name="Analysis">Set once concluded.</param>
public sealed record ExperimentView(
    Guid ExperimentId,
    ExperimentStatus Status,
    InterventionKind Intervention,
    string? Dose,
    InterventionKind? Comparison,
    ExperimentOutcome Outcome,
    int PeriodDays,
    int Pairs,
    int WashoutDays,
    DateOnly StartDate,
    DateOnly LastDay,
    int Seed,
    int ScheduleVersion,
    long PlannedVersion,
    DateTimeOffset PlannedAt,
    ExperimentToday? Today,
    ExperimentAdherence Adherence,
    ExperimentStopView? Stop,
    ExperimentAnalysis? Analysis,
    IReadOnlyList<ScheduledDay> Schedule);

/// <summary>Experiments as the app and the clinician read them. Pure: the record's facts, its experiments and the patient's local today.</summary>
public static class ExperimentViews
{
    public static ExperimentView From(ExperimentHistory experiment, RecordFacts facts, DateOnly today)
    {
        var plan = experiment.Plan;
        var status = experiment.Conclusion is not null ? ExperimentStatus.Concluded
            : experiment.Stop is not null ? ExperimentStatus.Stopped
            : today < plan.StartDate ? ExperimentStatus.Planned
            : today > plan.LastDay ? ExperimentStatus.Finished
            : ExperimentStatus.Running;

        // Adherence of the days already over: before today, before a stop, within the plan.
        var lastOver = today.AddDays(-1);
        if (experiment.Stop is { } stop && stop.StoppedOn.AddDays(-1) < lastOver)
        {
            lastOver = stop.StoppedOn.AddDays(-1);
        }

        var days = ExperimentAnalyzer.Work(plan, facts, lastOver < plan.LastDay ? lastOver : plan.LastDay, stoppedEarly: experiment.Stop is not null).Days
            .Where(d => d.Status != DayStatus.NotAnalysed).ToList();
        var adherence = new ExperimentAdherence(days.Count, days.Count(d => d.Adhered),
            days.Count(d => d.Arm == ExperimentArm.A), days.Count(d => d.Arm == ExperimentArm.A && d.Adhered),
            days.Count(d => d.Arm == ExperimentArm.B), days.Count(d => d.Arm == ExperimentArm.B && d.Adhered));

        return new ExperimentView(plan.ExperimentId, status, plan.Intervention, plan.Dose, plan.Comparison, plan.Outcome, plan.PeriodDays, plan.Pairs,
            plan.WashoutDays, plan.StartDate, plan.LastDay, plan.Seed, plan.ScheduleVersion, experiment.PlannedVersion, experiment.PlannedAt,
            status == ExperimentStatus.Running ? Today(plan, today) : null, adherence,
            experiment.Stop is { } stopped ? new ExperimentStopView(stopped.Reason, stopped.StoppedOn, experiment.StoppedAt!.Value) : null,
            experiment.Conclusion?.Analysis, plan.Schedule);
    }

    /// <summary>Today's place in the plan and the next change of arm (null when the plan has none left).</summary>
    public static ExperimentToday? Today(ExperimentPlanned plan, DateOnly today)
    {
        if (plan.Schedule.FirstOrDefault(d => d.Date == today) is not { } now)
        {
            return null;
        }

        var next = plan.Schedule.FirstOrDefault(d => d.Date > today && d.Arm != now.Arm);
        return new ExperimentToday(today, now.Arm, now.Pair, now.Period, now.DayOfPeriod, now.Washout, next?.Date, next?.Arm);
    }

    /// <summary>The digest's line about an experiment planned or running on <paramref name="today"/>; null when there is none.</summary>
    public static string? DigestLine(IReadOnlyList<ExperimentHistory> experiments, DateOnly today)
    {
        var open = experiments.LastOrDefault(e => e.Stop is null && e.Conclusion is null && today <= e.Plan.LastDay);
        if (open is null)
        {
            return null;
        }

        var plan = open.Plan;
        var what = Timeline.EntrySummaries.Words(plan.Intervention);
        string Arm(ExperimentArm arm) => arm == ExperimentArm.A ? $"A ({what})"
            : plan.Comparison is { } comparison ? $"B ({Timeline.EntrySummaries.Words(comparison)})" : $"B (no {what})";
        if (today < plan.StartDate)
        {
            return $"- Your {what} experiment starts on {plan.StartDate:yyyy-MM-dd} with {Arm(plan.Schedule[0].Arm)}.";
        }

        var now = Today(plan, today)!;
        return $"- Your {what} experiment is running: today is {Arm(now.Arm)}, period {now.Period} of {2 * plan.Pairs}; "
            + (now.NextSwitch is { } next ? $"next switch on {next:yyyy-MM-dd} to {Arm(now.NextArm!.Value)}." : $"it ends on {plan.LastDay:yyyy-MM-dd}.");
    }
}
