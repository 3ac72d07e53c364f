using EventHealth.Daily;
using EventHealth.Detection;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Wolverine.Http;

namespace EventHealth.Experiments;

public sealed record ExperimentList(Guid PatientId, IReadOnlyList<ExperimentView> Experiments);

public static class GetExperimentsEndpoint
{
    /// <summary>Every experiment of the record, in the order they were planned.</summary>
    [WolverineGet("/api/patients/{patientId}/experiments", OperationId = "getExperiments")]
    [Tags("Experiments"), ReadResponses(typeof(ExperimentList))]
    public static async Task<IResult> Get(Guid patientId, [ExistingRecord] PatientRecord record, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        var read = await ExperimentReads.LoadAsync(session, record, clock, http.RequestAborted);
        return Results.Ok(new ExperimentList(patientId, read.Experiments.Select(e => ExperimentViews.From(e, read.Facts, read.Today)).ToList()));
    }
}
