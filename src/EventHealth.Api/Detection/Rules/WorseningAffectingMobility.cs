using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>Twitching worsens over the last 28 days and difficulty walking was reported in the latest 14.</summary>
/// <param name="version">Which reading of "worsens" (<see cref="Worsening"/>): 1 and 2 retired (kept to explain their alerts), 3 live.</param>
public sealed class WorseningAffectingMobility(int version) : IDetectionRule
{
    public string RuleId => "worsening-affecting-mobility";
    public int Version => version;
    public string Criterion => "Twitching that worsens over time and affects mobility.";
    public string PlainWords => "Twitching became clearly more frequent or stronger over the last four weeks, and difficulty walking was recorded in the last two weeks.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var walking = Signals.Symptoms(facts, today, 14, SymptomKind.DifficultyWalking);
        return walking.Count > 0 && Worsening.Holds(version, facts, today) is { } episodes
            ? new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, Signals.Evidence(walking, episodes))
            : null;
    }
}
