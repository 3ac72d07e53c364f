using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// Version 1 (live): muscle weakness or atrophy on at least 2 distinct days of the latest 14, with twitching in those 14 days.
/// Version 2 (candidate, not live): muscle atrophy is visible wasting, not a passing sensation, so a single atrophy
/// report with twitching in those 14 days matches as well; weakness still needs 2 days. It ships inactive so that a
/// backtest can show what it would change before anyone decides to make it live.
/// </summary>
public sealed class WeaknessOrAtrophy(int version) : IDetectionRule
{
    public string RuleId => "weakness-or-atrophy";
    public int Version => version;
    public string Criterion => "Persistent muscle weakness or atrophy alongside twitching.";

    public string PlainWords => version == 1
        ? "Muscle weakness or wasting was recorded on two or more days in the last two weeks, together with twitching."
        : "Muscle wasting was recorded, or muscle weakness on two or more days, in the last two weeks, together with twitching.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var weakness = Signals.Symptoms(facts, today, 14, SymptomKind.MuscleWeakness, SymptomKind.MuscleAtrophy);
        var episodes = Signals.Episodes(facts, today, 14);
        var persistent = Signals.DistinctDays(weakness) >= 2
            || (version >= 2 && weakness.Any(f => f.Entry is NeurologicalSymptomReported { Kind: SymptomKind.MuscleAtrophy }));
        return persistent && episodes.Count >= 1
            ? new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, Signals.Evidence(weakness, episodes))
            : null;
    }
}
