using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>
/// Starts a patient's record. A client may choose <see cref="PatientId"/> so that a retried enrollment is
/// recognised: same id and same content answers 200 with the record, same id and other content 409.
/// </summary>
public sealed record EnrollPatient(
    Guid? PatientId,
    [property: Required] string? DisplayName,
    [property: Required] string? Email,
    [property: Required] string? TimeZone,
    string? ClinicianEmail,
    bool? AlertEmails)
{
    public const int MaxDisplayNameLength = 200;
}

/// <summary>A patient's profile, and (on reads) what the record holds.</summary>
public sealed record PatientProfile(
    Guid PatientId,
    string DisplayName,
    string Email,
    string TimeZone,
    string? ClinicianEmail,
    bool AlertEmails,
    DateTimeOffset EnrolledAt,
    long Version,
    RecordCounters? Counters = null)
{
    public static PatientProfile Of(PatientRecord record, long version, RecordCounters? counters = null) => new(
        record.Id, record.DisplayName, record.Email, record.TimeZone, record.ClinicianEmail, record.AlertEmails,
        record.EnrolledAt, version, counters);
}

public static class EnrollPatientEndpoint
{
    public static ProblemDetails Validate(EnrollPatient request)
    {
        var errors = new FieldErrors();
        if (request.PatientId == Guid.Empty)
        {
            errors.Add("patientId", "must not be the empty UUID");
        }

        errors.Required("displayName", request.DisplayName);
        errors.MaxLength("displayName", request.DisplayName, EnrollPatient.MaxDisplayNameLength);
        if (errors.Required("email", request.Email))
        {
            errors.Email("email", request.Email);
        }

        if (errors.Required("timeZone", request.TimeZone))
        {
            errors.TimeZone("timeZone", request.TimeZone);
        }

        errors.Email("clinicianEmail", string.IsNullOrEmpty(request.ClinicianEmail) ? null : request.ClinicianEmail);
        return errors.ToProblem();
    }

    [WolverinePost("/api/patients", OperationId = "enrollPatient")]
    [Tags("Recording"), EnrollmentResponses]
    public static Task<IResult> Post(EnrollPatient request, HttpContext http, TimeProvider clock)
    {
        // A patient enrolls their own record: the record's id is the token's subject.
        var caller = Access.Caller.Of(http.User);
        if (caller.PatientId is not { } own || (request.PatientId is { } chosen && chosen != own))
        {
            return Task.FromResult(Problems.Result(StatusCodes.Status403Forbidden, "forbidden", "Not allowed.",
                "A patient enrolls their own record: patientId must be the token's subject.", "patientId"));
        }

        var enrolled = new PatientEnrolled(
            own,
            request.DisplayName!.Trim(),
            request.Email!,
            FieldErrors.CanonicalTimeZone(request.TimeZone!) ?? request.TimeZone!,
            string.IsNullOrEmpty(request.ClinicianEmail) ? null : request.ClinicianEmail,
            request.AlertEmails ?? false);
        return RecordWrites.SendAsync(http, clock, own, new EnrollPatientChange(enrolled));
    }
}

/// <summary>
/// Starts the stream. The id taken by this same enrollment (a retry) answers 200 with the record; taken by a different
/// one, 409. Two enrollments racing for one id: the loser's append fails, is retried, and is decided against the winner.
/// </summary>
public sealed record EnrollPatientChange(PatientEnrolled Enrolled) : IRecordChange
{
    public bool DecidesWithoutRecord => true;

    public RecordDecision Decide(RecordState state)
    {
        if (state.Record is not { } existing)
        {
            return new Append([Enrolled], version => Results.Created($"/api/patients/{state.PatientId}", new PatientProfile(
                state.PatientId, Enrolled.DisplayName, Enrolled.Email, Enrolled.TimeZone, Enrolled.ClinicianEmail, Enrolled.AlertEmails, state.Now, version)));
        }

        return existing.EnrollmentFingerprint == Fingerprint.Of(Enrolled)
            ? new Append([], version => Results.Ok(PatientProfile.Of(existing, version)))
            : new Reject(Problems.IdempotencyConflict("patientId", state.PatientId));
    }
}

public sealed class EnrollmentResponsesAttribute() : WriteResponsesAttribute(typeof(PatientProfile), StatusCodes.Status201Created, createsRecord: true);
