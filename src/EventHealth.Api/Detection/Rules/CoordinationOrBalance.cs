using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>A coordination problem or balance problem reported in the latest 7 days.</summary>
public sealed class CoordinationOrBalance : IDetectionRule
{
    public string RuleId => "coordination-or-balance";
    public int Version => 1;
    public string Criterion => "Coordination problems or balance issues.";
    public string PlainWords => "A coordination or balance problem was recorded in the last seven days.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var reports = Signals.Symptoms(facts, today, 7, SymptomKind.CoordinationProblem, SymptomKind.BalanceProblem);
        return reports.Count > 0 ? new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, Signals.Evidence(reports)) : null;
    }
}
