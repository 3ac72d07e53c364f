using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
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
    public static PatientProfile Of(PatientRecord record, RecordCounters? counters = null) => new(
        record.Id, record.DisplayName, record.Email, record.TimeZone, record.ClinicianEmail, record.AlertEmails,
        record.EnrolledAt, record.Version, counters);
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
    public static async Task<IResult> Post(EnrollPatient request, IDocumentStore store, HttpContext http, TimeProvider clock)
    {
        // A patient enrolls their own record: the record's id is the token's subject.
        var caller = Access.Caller.Of(http.User);
        if (caller.PatientId is not { } own || (request.PatientId is { } chosen && chosen != own))
        {
            return Problems.Result(StatusCodes.Status403Forbidden, "forbidden", "Not allowed.",
                "A patient enrolls their own record: patientId must be the token's subject.", "patientId");
        }

        var patientId = own;
        var enrolled = new PatientEnrolled(
            patientId,
            request.DisplayName!.Trim(),
            request.Email!,
            FieldErrors.CanonicalTimeZone(request.TimeZone!) ?? request.TimeZone!,
            string.IsNullOrEmpty(request.ClinicianEmail) ? null : request.ClinicianEmail,
            request.AlertEmails ?? false);

        await using (var session = store.LightweightSession())
        {
            EventMetadata.Stamp(session, WriteContext.From(http, clock, expectedVersion: null));
            session.Events.StartStream<PatientRecord>(patientId, enrolled);
            try
            {
                await session.SaveChangesAsync(http.RequestAborted);
                var created = await session.LoadAsync<PatientRecord>(patientId, http.RequestAborted);
                WriteContext.SetETag(http.Response, created!.Version);
                return Results.Created($"/api/patients/{patientId}", PatientProfile.Of(created));
            }
            catch (Exception taken) when (taken is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.ConcurrencyException)
            {
                // The id is taken: a retry of this same enrollment, or a different one. Decided below.
            }
        }

        await using var query = store.QuerySession();
        var existing = await query.LoadAsync<PatientRecord>(patientId, http.RequestAborted);
        if (existing is null || existing.EnrollmentFingerprint != Fingerprint.Of(enrolled))
        {
            return Problems.IdempotencyConflict("patientId", patientId);
        }

        WriteContext.SetETag(http.Response, existing.Version);
        return Results.Ok(PatientProfile.Of(existing));
    }
}

public sealed class EnrollmentResponsesAttribute() : WriteResponsesAttribute(typeof(PatientProfile), StatusCodes.Status201Created, createsRecord: true);
