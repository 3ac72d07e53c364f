using EventHealth.Alerts;

namespace EventHealth.Detection;

/// <summary>A rule's finding: what the alert will say and the entries it rests on.</summary>
public sealed record RuleMatch(string RuleId, int RuleVersion, AlertSeverity Severity, string Criterion, IReadOnlyList<Guid> Evidence);

/// <summary>
/// One line of the article's "when to seek medical attention" list (docs/detection.md). A pure,
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

    /// <summary>
    /// What matched, in plain words, for an alert of this severity resting on <paramref name="evidence"/>: a rule with
    /// several branches names the ones its evidence shows, not all of them. By default <see cref="PlainWords"/>.
    /// </summary>
    string PlainWordsFor(IReadOnlyList<Fact> evidence, AlertSeverity severity) => PlainWords;

    RuleMatch? Evaluate(RecordFacts facts, DateOnly today);

    /// <summary>
    /// Rule ids whose match in the same evaluation makes this rule's match moot (an advisory that an urgent rule reading
    /// the same signs already covers). Applied by <see cref="DetectionDecisions.Decide"/>, so it follows the rule set in
    /// force, candidates in a backtest included. None by default.
    /// </summary>
    IReadOnlyCollection<string> GivesWayTo => [];
}

/// <summary>Where a rule version stands: evaluated by the live run, shipped for backtests only, or kept to explain old alerts.</summary>
public enum RuleStatus
{
    Live,
    Candidate,
    Retired,
}

public sealed record RuleRelease(IDetectionRule Rule, RuleStatus Status);

public static class DetectionRules
{
    /// <summary>Every version ever shipped: the live ones, candidates (backtests only) and retired ones (to explain old alerts).</summary>
    public static readonly IReadOnlyList<RuleRelease> Releases =
    [
        new(new Rules.WeaknessOrAtrophy(1), RuleStatus.Live),
        new(new Rules.WorseningAffectingMobility(3), RuleStatus.Live),
        new(new Rules.CoordinationOrBalance(), RuleStatus.Live),
        new(new Rules.SuddenSevereCramps(), RuleStatus.Live),
        new(new Rules.NeurologicalSymptoms(), RuleStatus.Live),
        new(new Rules.WorseningTrend(3), RuleStatus.Live),
        new(new Rules.TwitchingWithWarningSigns(), RuleStatus.Live),
        new(new Rules.WeaknessOrAtrophy(2), RuleStatus.Candidate),
        new(new Rules.WorseningAffectingMobility(1), RuleStatus.Retired),
        new(new Rules.WorseningTrend(1), RuleStatus.Retired),
        new(new Rules.WorseningAffectingMobility(2), RuleStatus.Retired),
        new(new Rules.WorseningTrend(2), RuleStatus.Retired),
    ];

    /// <summary>The versions in force: the ones new evaluations use, one per rule id.</summary>
    public static readonly IReadOnlyList<IDetectionRule> Current = Releases.Where(r => r.Status == RuleStatus.Live).Select(r => r.Rule).ToList();

    public static IDetectionRule? Find(string ruleId, int version) => FindRelease(ruleId, version)?.Rule;

    public static RuleRelease? FindRelease(string ruleId, int version) =>
        Releases.FirstOrDefault(r => r.Rule.RuleId == ruleId && r.Rule.Version == version);

    /// <summary>The live set with the chosen versions in place of the live ones of the same rules: what a backtest evaluates.</summary>
    public static IReadOnlyList<IDetectionRule> LiveWith(IEnumerable<IDetectionRule> chosen)
    {
        var byId = chosen.ToDictionary(r => r.RuleId);
        return Current.Select(live => byId.GetValueOrDefault(live.RuleId, live)).ToList();
    }
}
