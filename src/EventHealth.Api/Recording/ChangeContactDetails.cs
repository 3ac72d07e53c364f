using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>
/// Changes contact details. Absent (or null) fields stay as they are; an empty <c>clinicianEmail</c> removes the
/// clinician contact. A patch that changes nothing stores nothing.
/// </summary>
public sealed record ChangeContactDetails(string? Email, string? ClinicianEmail, string? TimeZone, bool? AlertEmails)
{
    /// <summary>Derived from clinicianEmail; not a field a client sends.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool RemoveClinicianEmail => ClinicianEmail is { Length: 0 };
}

public static class ChangeContactDetailsEndpoint
{
    public static ProblemDetails Validate(ChangeContactDetails request)
    {
        var errors = new FieldErrors();
        if (request is { Email: null, ClinicianEmail: null, TimeZone: null, AlertEmails: null })
        {
            errors.Add("body", "must change at least one of email, clinicianEmail, timeZone, alertEmails");
        }

        errors.Email("email", request.Email);
        errors.Email("clinicianEmail", request.RemoveClinicianEmail ? null : request.ClinicianEmail);
        errors.TimeZone("timeZone", request.TimeZone);
        return errors.ToProblem();
    }

    [WolverinePatch("/api/patients/{patientId}", OperationId = "changeContactDetails")]
    [Tags("Recording"), ProfileWriteResponses]
    public static Task<IResult> Patch(Guid patientId, ChangeContactDetails request, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new ContactDetailsChange(request));
}

/// <summary>A merge-patch that changes nothing stores nothing and answers the profile as it is.</summary>
public sealed record ContactDetailsChange(ChangeContactDetails Patch) : IRecordChange
{
    public RecordDecision Decide(RecordState state)
    {
        var change = RecordingDecisions.DecideContactChange(state.Existing, Patch);
        object[] events = change is null ? [] : [change];
        var updated = change is null ? state.Existing : state.Existing.Apply(change);
        return new Append(events, version => Results.Ok(PatientProfile.Of(updated, version)));
    }
}

public sealed class ProfileWriteResponsesAttribute() : WriteResponsesAttribute(typeof(PatientProfile), StatusCodes.Status200OK, conflicts: false);
