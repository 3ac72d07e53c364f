using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// The worsening condition without a mobility report. Fibromyalgia twitching fluctuates; twitching that keeps
/// worsening is worth telling the patient about, but is not an emergency.
/// </summary>
/// <param name="version">Which reading of "worsens" (<see cref="Worsening"/>): 1 and 2 retired (kept to explain their alerts), 3 live.</param>
public sealed class WorseningTrend(int version) : IDetectionRule
{
    public string RuleId => "worsening-trend";
    public int Version => version;
    public string Criterion => "Fibromyalgia twitching \"fluctuates\"; twitching that \"worsens over time\" is a different pattern.";
    public string PlainWords => "Twitching became clearly more frequent or stronger over the last four weeks, rather than going up and down.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today) =>
        Signals.Symptoms(facts, today, 14, SymptomKind.DifficultyWalking).Count == 0 && Worsening.Holds(version, facts, today) is { } episodes
            ? new RuleMatch(RuleId, Version, AlertSeverity.Advisory, Criterion, Signals.Evidence(episodes))
            : null;
}
