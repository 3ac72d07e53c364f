using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Wolverine.Http;

namespace EventHealth.Experiments;

public static class GetExperimentEndpoint
{
    /// <summary>One experiment: the plan and schedule, what today is, adherence so far, the stop and the analysis.</summary>
    [WolverineGet("/api/patients/{patientId}/experiments/{experimentId}", OperationId = "getExperiment")]
    [Tags("Experiments"), ReadResponses(typeof(ExperimentView))]
    public static async Task<IResult> Get(Guid patientId, Guid experimentId, [ExistingRecord] PatientRecord record, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        var read = await ExperimentReads.LoadAsync(session, record, clock, http.RequestAborted);
        return read.Experiments.FirstOrDefault(e => e.Plan.ExperimentId == experimentId) is { } experiment
            ? Results.Ok(ExperimentViews.From(experiment, read.Facts, read.Today))
            : ExperimentProblems.NotFound(experimentId);
    }
}
