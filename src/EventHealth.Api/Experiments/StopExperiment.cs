using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Experiments;

/// <summary>Stops an experiment before its end, with the reason (free text, masked on erasure).</summary>
public sealed record StopExperiment([property: Required] string? Reason)
{
    public const int MaxReasonLength = 500;
}

public sealed record ExperimentStopRecorded(Guid PatientId, Guid ExperimentId, string Reason, DateOnly StoppedOn, long Version, DateTimeOffset RecordedAt);

public static class StopExperimentEndpoint
{
    public static ProblemDetails Validate(StopExperiment request)
    {
        var errors = new FieldErrors();
        errors.Required("reason", request.Reason);
        errors.MaxLength("reason", request.Reason, StopExperiment.MaxReasonLength);
        return errors.ToProblem();
    }

    [WolverinePost("/api/patients/{patientId}/experiments/{experimentId}/stop", OperationId = "stopExperiment")]
    [Tags("Experiments"), StopResponses]
    public static Task<IResult> Post(Guid patientId, Guid experimentId, StopExperiment request, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new StopExperimentChange(experimentId, request.Reason!.Trim()));

    /// <summary>
    /// Pure. The stop day is the patient's local today: it and later days are not analysed. An experiment already
    /// stopped or concluded, or whose last day has passed (conclude it instead), answers 409.
    /// </summary>
    public static RecordDecision Decide(Guid patientId, PatientRecord record, Guid experimentId, string reason, DateTimeOffset now)
    {
        if (!record.Experiments.TryGetValue(experimentId, out var experiment))
        {
            return new Reject(ExperimentProblems.NotFound(experimentId));
        }

        var today = PatientCalendar.LocalDate(now, record.TimeZone);
        if (!experiment.Open || today > experiment.LastDay)
        {
            return new Reject(Problems.Result(StatusCodes.Status409Conflict, "experiment-closed", "The experiment is no longer running.",
                experiment.Concluded ? $"Experiment {experimentId} is concluded."
                : experiment.StoppedOn is { } stopped ? $"Experiment {experimentId} was stopped on {stopped:yyyy-MM-dd}."
                : $"Experiment {experimentId} ended on {experiment.LastDay:yyyy-MM-dd}; conclude it instead.", "experimentId"));
        }

        var stop = new ExperimentStopped(experimentId, reason, today);
        return new Append([stop], version =>
            Results.Json(new ExperimentStopRecorded(patientId, experimentId, reason, today, version, now), statusCode: StatusCodes.Status201Created));
    }
}

public sealed record StopExperimentChange(Guid ExperimentId, string Reason) : IRecordChange
{
    public RecordDecision Decide(RecordState state) => StopExperimentEndpoint.Decide(state.PatientId, state.Existing, ExperimentId, Reason, state.Now);
}

public sealed class StopResponsesAttribute() : WriteResponsesAttribute(typeof(ExperimentStopRecorded), StatusCodes.Status201Created, replays: false);
