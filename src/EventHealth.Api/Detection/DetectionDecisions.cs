using System.Security.Cryptography;
using System.Text;
using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection;

/// <summary>The outcome of evaluating one record: alerts to raise now, and when time alone could change the answer.</summary>
public sealed record Evaluation(IReadOnlyList<AlertRaised> Alerts, IReadOnlyList<RuleMatch> Matches, DateTimeOffset? NextReviewAt);

/// <summary>Pure decisions of detection: the rules, de-duplication and the next review time. No database, no clock.</summary>
public static class DetectionDecisions
{
    public static readonly TimeSpan Cooldown = TimeSpan.FromDays(7);

    /// <summary>The longest window any rule reads (28 days of "worsening").</summary>
    public const int LongestWindowDays = 28;

    public static Evaluation Evaluate(RecordFacts facts, DateTimeOffset evaluatedAt, IReadOnlyList<IDetectionRule>? rules = null)
    {
        var (alerts, matches) = Decide(facts, evaluatedAt, facts.Today(evaluatedAt), rules ?? DetectionRules.Current);
        return new Evaluation(alerts, matches, NextReviewAt(facts, evaluatedAt, alerts));
    }

    /// <summary>The rules and de-duplication alone, for a caller that already knows the patient's local today.</summary>
    public static (List<AlertRaised> Alerts, List<RuleMatch> Matches) Decide(RecordFacts facts, DateTimeOffset evaluatedAt, DateOnly today, IReadOnlyList<IDetectionRule> rules)
    {
        var matches = Matches(facts, today, rules);
        var alerts = matches
            .Where(match => ShouldRaise(match, facts.Alerts.LastOrDefault(a => a.RuleId == match.RuleId), facts, evaluatedAt))
            .Select(match => new AlertRaised(AlertId(facts.PatientId, match.RuleId, facts.Version), match.RuleId, match.RuleVersion,
                match.Severity, match.Criterion, match.Evidence, facts.Version, evaluatedAt))
            .ToList();
        return (alerts, matches);
    }

    /// <summary>
    /// Every rule's match on the record, less the matches of rules that give way to another rule matching in the same
    /// evaluation (<see cref="IDetectionRule.GivesWayTo"/>). Pure.
    /// </summary>
    public static List<RuleMatch> Matches(RecordFacts facts, DateOnly today, IReadOnlyList<IDetectionRule> rules)
    {
        var found = new List<(IDetectionRule Rule, RuleMatch Match)>(rules.Count);
        foreach (var rule in rules)
        {
            if (rule.Evaluate(facts, today) is { } match)
            {
                found.Add((rule, match));
            }
        }

        return found
            .Where(m => !m.Rule.GivesWayTo.Any(other => found.Any(f => f.Match.RuleId == other)))
            .Select(m => m.Match)
            .ToList();
    }

    /// <summary>
    /// detection.md: a rule that already raised an alert raises again only when new evidence (an entry not in the
    /// earlier alert's evidence, recorded after that alert) arrives, and not within 7 days of it unless the new
    /// alert is urgent and the earlier one was advisory.
    /// </summary>
    public static bool ShouldRaise(RuleMatch match, AlertRaised? previous, RecordFacts facts, DateTimeOffset evaluatedAt)
    {
        if (previous is null)
        {
            return true;
        }

        var recordedAfter = facts.Entries.Where(f => f.Version > previous.EvaluatedThroughVersion).Select(f => f.EntryId).ToHashSet();
        var newEvidence = match.Evidence.Any(id => !previous.Evidence.Contains(id) && recordedAfter.Contains(id));
        if (!newEvidence)
        {
            return false;
        }

        return evaluatedAt - previous.DetectedAt >= Cooldown
            || (match.Severity == AlertSeverity.Urgent && previous.Severity == AlertSeverity.Advisory);
    }

    /// <summary>
    /// Windows are local days, so with no new entry the answer can only change at the patient's next local midnight
    /// (evidence leaving a window) or when a cooldown ends. A record with nothing in the longest window and no recent
    /// alert needs no review until it changes.
    /// </summary>
    public static DateTimeOffset? NextReviewAt(RecordFacts facts, DateTimeOffset evaluatedAt, IReadOnlyList<AlertRaised> raisedNow)
    {
        var today = facts.Today(evaluatedAt);
        var alerts = facts.Alerts.Concat(raisedNow).ToList();
        var active = facts.Entries.Any(f => f.Day > today.AddDays(-LongestWindowDays))
            || alerts.Any(a => evaluatedAt - a.DetectedAt < Cooldown);
        if (!active)
        {
            return null;
        }

        var nextMidnight = PatientCalendar.StartOfDay(today.AddDays(1), facts.CurrentTimeZone);
        var cooldownEnds = alerts.Select(a => a.DetectedAt + Cooldown).Where(t => t > evaluatedAt).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        return cooldownEnds < nextMidnight ? cooldownEnds : nextMidnight;
    }

    /// <summary>Deterministic: the same rule on the same record version always names the same alert, so a re-run cannot make a second one.</summary>
    public static Guid AlertId(Guid patientId, string ruleId, long evaluatedThroughVersion)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{patientId:N}:{ruleId}:{evaluatedThroughVersion}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
