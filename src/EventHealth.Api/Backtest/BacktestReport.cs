using EventHealth.Alerts;
using EventHealth.Detection;

namespace EventHealth.Backtest;

public sealed record BacktestRule(string RuleId, int Version, RuleStatus Status);

/// <summary>An alert the rule set would have raised at the end of <see cref="LocalDate"/>, on the record as it stood then.</summary>
public sealed record WouldRaiseAlert(
    Guid PatientId,
    string RuleId,
    int RuleVersion,
    AlertSeverity Severity,
    DateOnly LocalDate,
    DateTimeOffset EvaluatedAt,
    long EvaluatedThroughVersion,
    IReadOnlyList<Guid> Evidence);

/// <summary>An alert the live detection actually raised in the period.</summary>
public sealed record RaisedAlert(
    Guid PatientId,
    Guid AlertId,
    string RuleId,
    int RuleVersion,
    AlertSeverity Severity,
    DateOnly LocalDate,
    DateTimeOffset DetectedAt,
    IReadOnlyList<Guid> Evidence);

public enum DifferenceKind
{
    /// <summary>The rule set would have raised it; nothing was raised on that evidence.</summary>
    New,

    /// <summary>Raised for real; the rule set would not have raised it.</summary>
    Missing,

    /// <summary>The rule set would have raised it on an earlier local day than it was raised.</summary>
    Earlier,

    /// <summary>The rule set would have raised it on a later local day than it was raised.</summary>
    Later,
}

/// <param name="DaysApart">Backtest day minus actual day, for earlier (negative) and later (positive).</param>
public sealed record BacktestDifference(
    DifferenceKind Kind,
    Guid PatientId,
    string RuleId,
    DateOnly? BacktestDate,
    DateOnly? RaisedDate,
    Guid? RaisedAlertId,
    int? DaysApart);

public sealed record BacktestSummary(int WouldRaise, int Raised, int Same, int New, int Missing, int Earlier, int Later);

/// <summary>
/// What a rule set would have raised over a closed period, and how that differs from what was raised. A pure function
/// of the request and the event log: the same request gives the same report.
/// </summary>
/// <param name="Evaluations">Record-days on which the rules ran (days with nothing in the longest window are skipped: no rule can match).</param>
public sealed record BacktestReport(
    DateOnly From,
    DateOnly To,
    IReadOnlyList<BacktestRule> Rules,
    int Records,
    long Events,
    long Evaluations,
    BacktestSummary Summary,
    IReadOnlyList<WouldRaiseAlert> WouldRaise,
    IReadOnlyList<RaisedAlert> Raised,
    IReadOnlyList<BacktestDifference> Differences);
