using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Access;

/// <summary>The patient lets a clinician read their record and acknowledge alerts.</summary>
public sealed record ConsentGranted(string ClinicianId, string Scope);

/// <summary>The patient withdraws it; effective for the next request.</summary>
public sealed record ConsentRevoked(string ClinicianId);

public sealed record GrantConsent([property: Required] string? ClinicianId, string? Scope)
{
    public const string ReadAndAcknowledge = "read-and-acknowledge";
}

public sealed record ConsentRecorded(Guid PatientId, string ClinicianId, string Scope, bool Active, long Version);

public static class GrantConsentEndpoint
{
    public static ProblemDetails Validate(GrantConsent request)
    {
        var errors = new FieldErrors();
        errors.Required("clinicianId", request.ClinicianId);
        errors.MaxLength("clinicianId", request.ClinicianId, 200);
        if (request.Scope is not null && request.Scope != GrantConsent.ReadAndAcknowledge)
        {
            errors.Add("scope", $"must be {GrantConsent.ReadAndAcknowledge}");
        }

        return errors.ToProblem();
    }

    [WolverinePost("/api/patients/{patientId}/consents", OperationId = "grantConsent")]
    [Tags("Access"), ConsentResponses]
    public static Task<IResult> Post(Guid patientId, GrantConsent request, IDocumentStore store, HttpContext http, TimeProvider clock) =>
        EntryWrites.WriteAsync(store, http, clock, patientId, loaded =>
        {
            var clinician = request.ClinicianId!.Trim();
            object[] events = loaded.Record.Consents.ContainsKey(clinician) ? [] : [new ConsentGranted(clinician, GrantConsent.ReadAndAcknowledge)];
            return Task.FromResult<EntryWrites.Decision>(new EntryWrites.Append(events, version =>
                Results.Json(new ConsentRecorded(patientId, clinician, GrantConsent.ReadAndAcknowledge, true, version),
                    statusCode: events.Length == 0 ? StatusCodes.Status200OK : StatusCodes.Status201Created)));
        });
}

public static class RevokeConsentEndpoint
{
    [WolverineDelete("/api/patients/{patientId}/consents/{clinicianId}", OperationId = "revokeConsent")]
    [Tags("Access"), RevokeConsentResponses]
    public static Task<IResult> Delete(Guid patientId, string clinicianId, IDocumentStore store, HttpContext http, TimeProvider clock) =>
        EntryWrites.WriteAsync(store, http, clock, patientId, loaded => Task.FromResult<EntryWrites.Decision>(
            loaded.Record.Consents.ContainsKey(clinicianId)
                ? new EntryWrites.Append([new ConsentRevoked(clinicianId)], version =>
                    Results.Ok(new ConsentRecorded(patientId, clinicianId, GrantConsent.ReadAndAcknowledge, false, version)))
                : new EntryWrites.Reject(Problems.Result(StatusCodes.Status404NotFound, "consent-not-found", "No such consent.",
                    $"Clinician {clinicianId} holds no consent on this record.", "clinicianId"))));
}

public sealed class ConsentResponsesAttribute() : WriteResponsesAttribute(typeof(ConsentRecorded), StatusCodes.Status201Created, conflicts: false);

/// <summary>A revocation answers 200 with the withdrawn consent, or 404 when the clinician holds none.</summary>
public sealed class RevokeConsentResponsesAttribute() : WriteResponsesAttribute(typeof(ConsentRecorded), StatusCodes.Status200OK, conflicts: false);
