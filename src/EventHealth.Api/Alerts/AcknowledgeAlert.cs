using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Alerts;

public sealed record AcknowledgeAlert(string? Note)
{
    public const int MaxNoteLength = 1000;
}

public sealed record AlertAcknowledgementRecorded(Guid PatientId, Guid AlertId, string By, string? Note, long Version);

public static class AcknowledgeAlertEndpoint
{
    public static ProblemDetails Validate(AcknowledgeAlert request)
    {
        var errors = new FieldErrors();
        errors.MaxLength("note", request.Note, AcknowledgeAlert.MaxNoteLength);
        return errors.ToProblem();
    }

    /// <summary>A person saw the alert. A second acknowledgement answers 200 with the first and stores nothing.</summary>
    [WolverinePost("/api/patients/{patientId}/alerts/{alertId}/acknowledgement", OperationId = "acknowledgeAlert")]
    [Tags("Alerts"), AcknowledgementResponses]
    public static Task<IResult> Post(Guid patientId, Guid alertId, AcknowledgeAlert request, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new AcknowledgeAlertChange(alertId, request.Note));
}

/// <summary>A second acknowledgement answers 200 with the first and stores nothing.</summary>
public sealed record AcknowledgeAlertChange(Guid AlertId, string? Note) : IRecordChange
{
    public bool ReadsAlerts => true;

    public RecordDecision Decide(RecordState state)
    {
        var (patientId, alertId) = (state.PatientId, AlertId);
        if (state.Alerts?.Find(alertId) is not { } alert)
        {
            return new Reject(Problems.AlertNotFound(alertId));
        }

        if (alert.Acknowledgement is { } earlier)
        {
            return new Append([], version => Results.Ok(new AlertAcknowledgementRecorded(patientId, alertId, earlier.By, earlier.Note, version)));
        }

        var note = string.IsNullOrWhiteSpace(Note) ? null : Note.Trim();
        return new Append([new AlertAcknowledged(alertId, state.Context.Actor, note)], version =>
            Results.Json(new AlertAcknowledgementRecorded(patientId, alertId, state.Context.Actor, note, version), statusCode: StatusCodes.Status201Created));
    }
}

public sealed class AcknowledgementResponsesAttribute() : WriteResponsesAttribute(typeof(AlertAcknowledgementRecorded), StatusCodes.Status201Created, conflicts: false);
