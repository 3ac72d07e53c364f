using System.Text.Json;
using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;
using Marten;
using Wolverine.Http;

namespace EventHealth.Experiments;

/// <param name="Recorded">The analysis as stored in ExperimentConcluded.</param>
/// <param name="Reproduces">Re-running the recorded method on the record up to the recorded version gives the stored analysis byte for byte (canonical JSON).</param>
/// <param name="Replayed">The replayed analysis, only when it does not reproduce.</param>
/// <param name="Days">Every day of the plan: status, value, adherence and the entries behind them.</param>
/// <param name="Entries">The entries the days name, as they stood then; RetractedSince marks those retracted after the analysis.</param>
public sealed record ExperimentExplanation(
    Guid PatientId,
    Guid ExperimentId,
    string Method,
    ExperimentAnalysis Recorded,
    long ReplayedThroughVersion,
    bool Reproduces,
    ExperimentAnalysis? Replayed,
    string TimeZone,
    IReadOnlyList<AnalysedDay> Days,
    IReadOnlyList<EvidenceEntry> Entries);

public static class ExplainExperimentEndpoint
{
    public const string MethodV1 =
        "Method 1: per period, the mean of the outcome over its analysed days (washout days, days before the record began and, for mean intensity, "
        + "days without episodes left out; a day of the record without an entry of the outcome counts as zero). Per pair, B mean minus A mean. "
        + "Effect: the mean of those differences, with a 95% interval from Student's t on pairs - 1 degrees of freedom, and a two-sided exact "
        + "randomisation p-value over all 2^pairs orders the design could have drawn. The same again over the days that followed the schedule.";

    /// <summary>Replays the record up to the version the analysis read, re-runs the recorded method and shows the days and entries behind each figure.</summary>
    [WolverineGet("/api/patients/{patientId}/experiments/{experimentId}/analysis", OperationId = "explainExperiment")]
    [Tags("Experiments"), ReadResponses(typeof(ExperimentExplanation))]
    public static async Task<IResult> Get(Guid patientId, Guid experimentId, [ExistingRecord] PatientRecord record, IQuerySession session, HttpContext http)
    {
        var events = await session.Events.FetchStreamAsync(patientId, token: http.RequestAborted);
        if (ExperimentHistory.From(events).FirstOrDefault(e => e.Plan.ExperimentId == experimentId) is not { } experiment)
        {
            return ExperimentProblems.NotFound(experimentId);
        }

        if (experiment.Conclusion is not { } conclusion)
        {
            return Problems.Result(StatusCodes.Status404NotFound, "analysis-not-found", "The experiment has no analysis yet.",
                $"Experiment {experimentId} is concluded after its last day, or after a stop (POST .../conclusion).", "experimentId");
        }

        var recorded = conclusion.Analysis;
        var eventsThen = events.TakeWhile(e => e.Version <= recorded.ThroughVersion).ToList();
        var factsThen = RecordFacts.From(patientId, eventsThen);
        var historyThen = ExperimentHistory.From(eventsThen).Single(e => e.Plan.ExperimentId == experimentId);
        var workings = ExperimentAnalyzer.Conclude(historyThen.Plan, historyThen.Stop, factsThen);
        // Only method 1 exists; a method 2 would ship beside it (like rule versions) so old analyses still replay with theirs.
        var reproduces = recorded.MethodVersion == ExperimentAnalyzer.MethodVersion && Canonical(workings.Analysis) == Canonical(recorded);

        var named = workings.Days.SelectMany(d => d.OutcomeEntries.Concat(d.InterventionEntries)).ToHashSet();
        var retractedNow = TimelineReplay.Entries(events).Where(e => e.Retracted).Select(e => e.EntryId).ToHashSet();
        var entries = factsThen.Entries.Where(f => named.Contains(f.EntryId))
            .Select(f => new EvidenceEntry(f.EntryId, EntryKinds.Of(f.Entry), f.Entry.OccurredAt, f.Day, f.Version, EntrySummaries.Describe(f.Entry), retractedNow.Contains(f.EntryId)))
            .ToList();

        return Results.Ok(new ExperimentExplanation(patientId, experimentId, MethodV1, recorded, factsThen.Version, reproduces,
            reproduces ? null : workings.Analysis, factsThen.CurrentTimeZone, workings.Days, entries));
    }

    /// <summary>The analysis in the API's JSON dialect: equal text means equal figures, words and order.</summary>
    public static string Canonical(ExperimentAnalysis analysis) => JsonSerializer.Serialize(analysis, JsonSetup.Options);
}
