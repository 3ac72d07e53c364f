using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>Muscle weakness or atrophy on at least 2 distinct days of the latest 14, with twitching in those 14 days.</summary>
public sealed class WeaknessOrAtrophy : IDetectionRule
{
    public string RuleId => "weakness-or-atrophy";
    public int Version => 1;
    public string Criterion => "Persistent muscle weakness or atrophy alongside twitching.";
    public string PlainWords => "Muscle weakness or wasting was recorded on two or more days in the last two weeks, together with twitching.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var weakness = Signals.Symptoms(facts, today, 14, SymptomKind.MuscleWeakness, SymptomKind.MuscleAtrophy);
        var episodes = Signals.Episodes(facts, today, 14);
        return Signals.DistinctDays(weakness) >= 2 && episodes.Count >= 1
            ? new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, Signals.Evidence(weakness, episodes))
            : null;
    }
}
