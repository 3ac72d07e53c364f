using EventHealth.Http;
using Wolverine.Http;

namespace EventHealth.Projections;

public static class RebuildProjectionsEndpoint
{
    /// <summary>
    /// Rebuilds every projection from the event log and reports, per projection, documents compared, whether the
    /// rebuilt state equals the live one, and the first difference. <c>repair=true</c> replaces unequal live documents.
    /// </summary>
    [WolverinePost("/api/admin/projections/rebuild", OperationId = "rebuildProjections")]
    [Tags("Operations"), ReadResponses(typeof(RebuildReport))]
    public static async Task<IResult> Post(bool? repair, ProjectionVerifier verifier, HttpContext http) =>
        Results.Ok(await verifier.RunAsync(repair ?? false, http.RequestAborted));
}
