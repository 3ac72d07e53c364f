using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.Backtest;

/// <summary>One record's part of a backtest.</summary>
public sealed record RecordBacktest(Guid PatientId, long Events, long Evaluations, IReadOnlyList<WouldRaiseAlert> WouldRaise, IReadOnlyList<RaisedAlert> Raised);

/// <summary>
/// Replays detection over the past, pure: no database, no clock. For each local day of the period the record is taken
/// as it stood at the end of that day (events recorded by then, retractions included) and the chosen rule set decides
/// it, with its own earlier would-be alerts for de-duplication, exactly as the live run decides with the live set.
/// </summary>
public static class Backtester
{
    /// <summary>
    /// The simulation starts this many days before the period, so that de-duplication on the first day of the period
    /// knows the would-be alerts that could still hold it back: evidence lies in the 28-day window, the cooldown is 7 days.
    /// </summary>
    public static readonly int WarmUpDays = DetectionDecisions.LongestWindowDays + (int)DetectionDecisions.Cooldown.TotalDays;

    /// <param name="events">One record's events in version order.</param>
    public static RecordBacktest Run(Guid patientId, IReadOnlyList<IEvent> events, DateOnly from, DateOnly to, IReadOnlyList<IDetectionRule> rules)
    {
        var folder = new RecordFactsFolder(patientId);
        var simulated = new List<AlertRaised>();
        var wouldRaise = new List<WouldRaiseAlert>();
        var raised = new List<RaisedAlert>();
        var recordedAt = events.Select(EventMetadata.RecordedAt).ToArray();
        var next = 0;
        long evaluations = 0;

        for (var day = from.AddDays(-WarmUpDays); day <= to; day = day.AddDays(1))
        {
            // The last instant of the patient's local day: what had been recorded by then is what detection could know.
            var endOfDay = PatientCalendar.EndOfDay(day, folder.CurrentTimeZone);
            for (; next < events.Count && recordedAt[next] <= endOfDay; next++)
            {
                folder.Apply(events[next]);
                if (events[next].Data is AlertRaised actual && day >= from)
                {
                    raised.Add(new RaisedAlert(patientId, actual.AlertId, actual.RuleId, actual.RuleVersion, actual.Severity,
                        PatientCalendar.LocalDate(actual.DetectedAt, folder.CurrentTimeZone), actual.DetectedAt, actual.Evidence));
                }
            }

            var facts = folder.Window(day, DetectionDecisions.LongestWindowDays, simulated);
            if (facts.Entries.Count == 0)
            {
                continue; // every rule needs an entry in its window
            }

            evaluations++;
            var (alerts, _) = DetectionDecisions.Decide(facts, endOfDay, day, rules);
            simulated.AddRange(alerts);
            if (day >= from)
            {
                wouldRaise.AddRange(alerts.Select(a => new WouldRaiseAlert(patientId, a.RuleId, a.RuleVersion, a.Severity, day, endOfDay, a.EvaluatedThroughVersion, a.Evidence)));
            }
        }

        return new RecordBacktest(patientId, next, evaluations, wouldRaise, raised.Where(r => r.LocalDate >= from && r.LocalDate <= to).ToList());
    }

    /// <summary>
    /// Pairs each would-be alert, in day order, with the earliest unpaired real alert of the same record and rule that
    /// rests on at least one of the same entries. Unpaired would-be alerts are new, unpaired real ones missing; a pair
    /// on different days is earlier or later.
    /// </summary>
    public static IEnumerable<BacktestDifference> Compare(IReadOnlyList<WouldRaiseAlert> wouldRaise, IReadOnlyList<RaisedAlert> raised)
    {
        var unpaired = raised.OrderBy(r => r.DetectedAt).ThenBy(r => r.AlertId).ToList();
        foreach (var candidate in wouldRaise.OrderBy(w => w.LocalDate).ThenBy(w => w.RuleId, StringComparer.Ordinal))
        {
            var match = unpaired.FirstOrDefault(r => r.PatientId == candidate.PatientId && r.RuleId == candidate.RuleId && r.Evidence.Intersect(candidate.Evidence).Any());
            if (match is null)
            {
                yield return new BacktestDifference(DifferenceKind.New, candidate.PatientId, candidate.RuleId, candidate.LocalDate, null, null, null);
                continue;
            }

            unpaired.Remove(match);
            var apart = candidate.LocalDate.DayNumber - match.LocalDate.DayNumber;
            if (apart != 0)
            {
                yield return new BacktestDifference(apart < 0 ? DifferenceKind.Earlier : DifferenceKind.Later, candidate.PatientId, candidate.RuleId,
                    candidate.LocalDate, match.LocalDate, match.AlertId, apart);
            }
        }

        foreach (var missing in unpaired)
        {
            yield return new BacktestDifference(DifferenceKind.Missing, missing.PatientId, missing.RuleId, null, missing.LocalDate, missing.AlertId, null);
        }
    }

    /// <summary>The whole report from each record's part, in a fixed order so that the same input gives the same report.</summary>
    public static BacktestReport Report(DateOnly from, DateOnly to, IReadOnlyList<IDetectionRule> rules, IEnumerable<RecordBacktest> records)
    {
        var parts = records.OrderBy(r => r.PatientId).ToList();
        var wouldRaise = parts.SelectMany(r => r.WouldRaise).ToList();
        var raised = parts.SelectMany(r => r.Raised).ToList();
        var differences = parts.SelectMany(r => Compare(r.WouldRaise, r.Raised)).ToList();
        int Count(DifferenceKind kind) => differences.Count(d => d.Kind == kind);
        var paired = wouldRaise.Count - Count(DifferenceKind.New);

        return new BacktestReport(from, to,
            rules.Select(r => new BacktestRule(r.RuleId, r.Version, DetectionRules.FindRelease(r.RuleId, r.Version)!.Status)).ToList(),
            parts.Count, parts.Sum(r => r.Events), parts.Sum(r => r.Evaluations),
            new BacktestSummary(wouldRaise.Count, raised.Count, paired - Count(DifferenceKind.Earlier) - Count(DifferenceKind.Later),
                Count(DifferenceKind.New), Count(DifferenceKind.Missing), Count(DifferenceKind.Earlier), Count(DifferenceKind.Later)),
            wouldRaise, raised, differences);
    }
}
