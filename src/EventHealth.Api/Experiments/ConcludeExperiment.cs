using EventHealth.Detection;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;
using Marten;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Experiments;

public sealed record ExperimentConclusionRecorded(Guid PatientId, Guid ExperimentId, long Version, DateTimeOffset RecordedAt, ExperimentAnalysis Analysis);

public static class ConcludeExperimentEndpoint
{
    /// <summary>
    /// Analyses the experiment once its last period is over (or after a stop) and appends the analysis. A repeat answers
    /// 200 with the stored analysis and stores nothing.
    /// </summary>
    [WolverinePost("/api/patients/{patientId}/experiments/{experimentId}/conclusion", OperationId = "concludeExperiment")]
    [Tags("Experiments"), ConclusionResponses]
    public static Task<IResult> Post(Guid patientId, Guid experimentId, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new ConcludeExperimentChange(experimentId));

    /// <summary>Pure: the record's events up to the loaded version and the time give the conclusion, or why not yet.</summary>
    public static RecordDecision Decide(Guid patientId, PatientRecord record, Guid experimentId, IReadOnlyList<IEvent> events, DateTimeOffset now)
    {
        var experiment = ExperimentHistory.From(events).Single(e => e.Plan.ExperimentId == experimentId);
        if (experiment.Conclusion is { } concluded)
        {
            return new Append([], _ => Results.Ok(new ExperimentConclusionRecorded(patientId, experimentId, experiment.ConcludedVersion!.Value,
                experiment.ConcludedAt!.Value, concluded.Analysis)));
        }

        var today = PatientCalendar.LocalDate(now, record.TimeZone);
        if (experiment.Stop is null && today <= experiment.Plan.LastDay)
        {
            return new Reject(Problems.Result(StatusCodes.Status409Conflict, "experiment-not-finished", "The experiment is still running.",
                $"Its last day is {experiment.Plan.LastDay:yyyy-MM-dd} (the patient's local calendar); it can be concluded from the day after, or after a stop.",
                "experimentId"));
        }

        var analysis = ExperimentAnalyzer.Conclude(experiment.Plan, experiment.Stop, RecordFacts.From(patientId, events)).Analysis;
        return new Append([new ExperimentConcluded(experimentId, analysis)], version =>
            Results.Json(new ExperimentConclusionRecorded(patientId, experimentId, version, now, analysis), statusCode: StatusCodes.Status201Created));
    }
}

/// <summary>The conclusion as a change to the record; the route and the scheduled conclusion share it.</summary>
public sealed record ConcludeExperimentChange(Guid ExperimentId) : IRecordChange
{
    /// <summary>The analysis reads the record's events as they stand at the version this attempt loaded.</summary>
    public bool ReadsEvents => true;

    public RecordDecision Decide(RecordState state) =>
        state.Existing.Experiments.ContainsKey(ExperimentId)
            ? ConcludeExperimentEndpoint.Decide(state.PatientId, state.Existing, ExperimentId, state.Events, state.Now)
            : new Reject(ExperimentProblems.NotFound(ExperimentId));
}

public sealed class ConclusionResponsesAttribute() : WriteResponsesAttribute(typeof(ExperimentConclusionRecorded), StatusCodes.Status201Created);
