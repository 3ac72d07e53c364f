using EventHealth.Detection;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;
using Marten;
using Wolverine.Http;

namespace EventHealth.Alerts;

public sealed record EvidenceEntry(Guid EntryId, string Type, DateTimeOffset OccurredAt, DateOnly LocalDate, long Version, string Summary, bool RetractedSince);

public sealed record RuleDescription(string RuleId, int Version, string Criterion, string PlainWords);

/// <param name="Reproduces">Re-running the recorded rule version on the replayed record gives the same decision: a match at the same severity on the same evidence.</param>
public sealed record AlertExplanation(
    Guid PatientId,
    AlertView Alert,
    RuleDescription Rule,
    long ReplayedThroughVersion,
    DateOnly EvaluatedLocalDate,
    string TimeZone,
    IReadOnlyList<EvidenceEntry> Evidence,
    bool Reproduces,
    string? ReplayedSeverity,
    IReadOnlyList<Guid> ReplayedEvidence);

public static class ExplainAlertEndpoint
{
    /// <summary>
    /// Replays the record up to the version the rule saw, re-runs the rule version recorded on the alert, and shows
    /// the evidence and whether the decision reproduces. Later retractions are shown, not replayed.
    /// </summary>
    [WolverineGet("/api/patients/{patientId}/alerts/{alertId}/explanation", OperationId = "explainAlert")]
    [Tags("Alerts"), ReadResponses(typeof(AlertExplanation))]
    public static async Task<IResult> Get(Guid patientId, Guid alertId, [ExistingRecord] PatientRecord record, IQuerySession session, HttpContext http)
    {
        var events = await session.Events.FetchStreamAsync(patientId, token: http.RequestAborted);
        if (events.Select(e => e.Data).OfType<AlertRaised>().FirstOrDefault(a => a.AlertId == alertId) is not { } alert)
        {
            return Problems.AlertNotFound(alertId);
        }

        var rule = DetectionRules.Find(alert.RuleId, alert.RuleVersion)!;
        var factsThen = RecordFacts.From(patientId, events.TakeWhile(e => e.Version <= alert.EvaluatedThroughVersion));
        var today = factsThen.Today(alert.DetectedAt);
        var replayed = rule.Evaluate(factsThen, today);
        var reproduces = replayed is not null && replayed.Severity == alert.Severity && replayed.Evidence.ToHashSet().SetEquals(alert.Evidence);

        var retractedNow = TimelineReplay.Entries(events).Where(e => e.Retracted).Select(e => e.EntryId).ToHashSet();
        var evidence = factsThen.Entries.Where(f => alert.Evidence.Contains(f.EntryId))
            .Select(f => new EvidenceEntry(f.EntryId, EntryKinds.Of(f.Entry), f.Entry.OccurredAt, f.Day, f.Version, EntrySummaries.Describe(f.Entry), retractedNow.Contains(f.EntryId)))
            .ToList();
        var view = AlertViews.From(patientId, events, record.AlertRecipients()).Single(a => a.AlertId == alertId);

        return Results.Ok(new AlertExplanation(patientId, view, new RuleDescription(rule.RuleId, rule.Version, rule.Criterion, rule.PlainWords),
            factsThen.Version, today, factsThen.CurrentTimeZone, evidence, reproduces,
            replayed is null ? null : JsonSetup.Spelling(replayed.Severity), replayed?.Evidence ?? []));
    }
}
