using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// Speech or swallowing difficulty in the latest 7 days (urgent); numbness or tingling on 2+ days of the latest 14,
/// or with muscle weakness in those 14 days (urgent); a single numbness or tingling report in the latest 7 days
/// (advisory). One alert at the highest severity that matched.
/// </summary>
public sealed class NeurologicalSymptoms : IDetectionRule
{
    public string RuleId => "neurological-symptoms";
    public int Version => 1;
    public string Criterion => "Numbness, tingling, or other neurological symptoms. (And, with twitching: \"speech issues\".)";
    public string PlainWords => "Speech or swallowing difficulty, or numbness or tingling that persisted or came with muscle weakness, was recorded recently.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var bulbar = Signals.Symptoms(facts, today, 7, SymptomKind.SpeechDifficulty, SymptomKind.SwallowingDifficulty);
        var sensory = Signals.Symptoms(facts, today, 14, SymptomKind.Numbness, SymptomKind.Tingling);
        var weakness = Signals.Symptoms(facts, today, 14, SymptomKind.MuscleWeakness);
        var persistentSensory = Signals.DistinctDays(sensory) >= 2;
        var sensoryWithWeakness = sensory.Count > 0 && weakness.Count > 0;

        if (bulbar.Count > 0 || persistentSensory || sensoryWithWeakness)
        {
            var evidence = Signals.Evidence(bulbar, persistentSensory || sensoryWithWeakness ? sensory : [], sensoryWithWeakness ? weakness : []);
            return new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, evidence);
        }

        var recentSensory = Signals.Symptoms(facts, today, 7, SymptomKind.Numbness, SymptomKind.Tingling);
        return recentSensory.Count > 0
            ? new RuleMatch(RuleId, Version, AlertSeverity.Advisory, Criterion, Signals.Evidence(recentSensory))
            : null;
    }
}
