using EventHealth.Alerts;

namespace EventHealth.Detection;

/// <summary>A rule's finding: what the alert will say and the entries it rests on.</summary>
public sealed record RuleMatch(string RuleId, int RuleVersion, AlertSeverity Severity, string Criterion, IReadOnlyList<Guid> Evidence);

/// <summary>
/// One line of the article's "when to seek medical attention" list (shared/design/detection.md). A pure,
/// deterministic function of the record up to a version and the patient's local "today": no database, no clock.
/// Changing a threshold is a new <see cref="Version"/>; old versions stay so old alerts can be explained.
/// </summary>
public interface IDetectionRule
{
    string RuleId { get; }
    int Version { get; }

    /// <summary>The article's words.</summary>
    string Criterion { get; }

    /// <summary>A person-readable statement of what the rule checks, for emails and explanations.</summary>
    string PlainWords { get; }

    RuleMatch? Evaluate(RecordFacts facts, DateOnly today);
}

public static class DetectionRules
{
    /// <summary>The versions in force: the ones new evaluations use.</summary>
    public static readonly IReadOnlyList<IDetectionRule> Current =
    [
        new Rules.WeaknessOrAtrophy(),
        new Rules.WorseningAffectingMobility(),
        new Rules.CoordinationOrBalance(),
        new Rules.SuddenSevereCramps(),
        new Rules.NeurologicalSymptoms(),
        new Rules.WorseningTrend(),
    ];

    /// <summary>Every version ever shipped, for explaining old alerts with the version that raised them.</summary>
    public static readonly IReadOnlyList<IDetectionRule> AllVersions = Current;

    public static IDetectionRule? Find(string ruleId, int version) =>
        AllVersions.FirstOrDefault(r => r.RuleId == ruleId && r.Version == version);
}
