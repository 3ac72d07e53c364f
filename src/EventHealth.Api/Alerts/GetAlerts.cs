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
        // The record and its alerts (the inline projection) in one round trip.
        var batch = session.CreateBatchQuery();
        var recordRead = batch.Load<PatientRecord>(patientId);
        var alertsRead = batch.Load<RecordAlerts>(patientId);
        await batch.Execute(http.RequestAborted);
        if (await recordRead is not { } record)
        {
            return Problems.PatientNotFound(patientId);
        }

        return Results.Ok(new PatientAlerts(patientId, AlertViews.From(await alertsRead, record.AlertRecipients())));
    }
}
