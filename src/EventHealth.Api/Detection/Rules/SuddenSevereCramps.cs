using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>A cramp of severity ≥ 7 that was sudden and disrupted daily activities, in the latest 7 days.</summary>
public sealed class SuddenSevereCramps : IDetectionRule
{
    public const int SevereFrom = 7;

    public string RuleId => "sudden-severe-cramps";
    public int Version => 1;
    public string Criterion => "Sudden, severe cramps that disrupt daily life.";
    public string PlainWords => "A sudden, severe cramp (7/10 or more) that disrupted daily activities was recorded in the last seven days.";

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var cramps = facts.Within<CrampRecorded>(today, 7)
            .Where(f => f.Entry is CrampRecorded { Severity: >= SevereFrom, Sudden: true, DisruptedDailyActivities: true })
            .ToList();
        return cramps.Count > 0 ? new RuleMatch(RuleId, Version, AlertSeverity.Urgent, Criterion, Signals.Evidence(cramps)) : null;
    }
}
