using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Wolverine.Http;

namespace EventHealth.Alerts;

public sealed record PatientAlerts(Guid PatientId, IReadOnlyList<AlertView> Alerts);

public static class GetAlertsEndpoint
{
    /// <summary>Alerts, newest first, with rule, severity, criterion, evidence, notification status and acknowledgement.</summary>
    [WolverineGet("/api/patients/{patientId}/alerts", OperationId = "getAlerts")]
    [Tags("Alerts"), ReadResponses(typeof(PatientAlerts))]
    public static async Task<IResult> Get(Guid patientId, IQuerySession session, HttpContext http)
    {
        var record = await session.LoadAsync<PatientRecord>(patientId, http.RequestAborted);
        if (record is null)
        {
            return Problems.PatientNotFound(patientId);
        }

        var events = await AlertViews.LoadEventsAsync(session, patientId, http.RequestAborted);
        return Results.Ok(new PatientAlerts(patientId, AlertViews.From(events, record.AlertRecipients())));
    }
}
