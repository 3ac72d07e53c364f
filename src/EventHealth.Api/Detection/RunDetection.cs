using EventHealth.Http;
using Wolverine.Http;

namespace EventHealth.Detection;

public static class RunDetectionEndpoint
{
    /// <summary>Runs detection now, the same job the schedule runs, and reports what it evaluated and raised.</summary>
    [WolverinePost("/api/admin/detection/run", OperationId = "runDetection")]
    [Tags("Operations"), ReadResponses(typeof(DetectionRunReport))]
    public static async Task<IResult> Post(DetectionJob job, HttpContext http) => Results.Ok(await job.RunAsync(http.RequestAborted));
}
