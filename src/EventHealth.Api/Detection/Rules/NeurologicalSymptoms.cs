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

    /// <summary>The branches the evidence shows (an urgent alert may rest on several), never the ones that did not match.</summary>
    public string PlainWordsFor(IReadOnlyList<Fact> evidence, AlertSeverity severity)
    {
        var symptoms = evidence.Where(f => f.Entry is NeurologicalSymptomReported).ToList();
        bool Any(params SymptomKind[] kinds) => symptoms.Any(f => kinds.Contains(((NeurologicalSymptomReported)f.Entry).Kind));
        var sensoryDays = symptoms.Where(f => ((NeurologicalSymptomReported)f.Entry).Kind is SymptomKind.Numbness or SymptomKind.Tingling)
            .Select(f => f.Day).Distinct().Count();
        var said = new List<string>();
        if (Any(SymptomKind.SpeechDifficulty, SymptomKind.SwallowingDifficulty))
        {
            said.Add("Speech or swallowing difficulty was recorded in the last seven days.");
        }

        if (sensoryDays > 0 && severity == AlertSeverity.Advisory)
        {
            said.Add("Numbness or tingling was recorded in the last seven days.");
        }
        else if (sensoryDays > 0)
        {
            if (sensoryDays >= 2)
            {
                said.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Numbness or tingling was recorded on {sensoryDays} different days of the last fourteen."));
            }

            if (Any(SymptomKind.MuscleWeakness))
            {
                said.Add("Numbness or tingling came together with muscle weakness in the last fourteen days.");
            }
        }

        return said.Count == 0 ? PlainWords : string.Join(" ", said);
    }

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
