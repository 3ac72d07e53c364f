using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Access;

/// <summary>The patient lets a clinician read their record (scope <c>read</c>) or also write notes and retractions (<c>read-write</c>).</summary>
public sealed record ConsentGranted(string ClinicianId, string Scope);

/// <summary>What a consent lets a clinician do.</summary>
public static class ConsentScopes
{
    /// <summary>Read the record and acknowledge alerts.</summary>
    public const string Read = "read";

    /// <summary>Also add notes and retract entries.</summary>
    public const string ReadWrite = "read-write";

    /// <summary>The one scope before scopes were chosen; it allowed what <see cref="Read"/> allows.</summary>
    public const string LegacyReadAndAcknowledge = "read-and-acknowledge";

    public static readonly IReadOnlyList<string> All = [Read, ReadWrite];

    /// <summary>The scope a stored consent grants today (older consents read as <see cref="Read"/>).</summary>
    public static string Effective(string stored) => stored == ReadWrite ? ReadWrite : Read;
}

/// <summary>The patient withdraws it; effective for the next request.</summary>
public sealed record ConsentRevoked(string ClinicianId);

/// <param name="Scope"><c>read</c> (the default) or <c>read-write</c>.</param>
public sealed record GrantConsent([property: Required] string? ClinicianId, string? Scope);

public sealed record ConsentRecorded(Guid PatientId, string ClinicianId, string Scope, bool Active, long Version);

public static class GrantConsentEndpoint
{
    public static ProblemDetails Validate(GrantConsent request)
    {
        var errors = new FieldErrors();
        errors.Required("clinicianId", request.ClinicianId);
        errors.MaxLength("clinicianId", request.ClinicianId, 200);
        if (request.Scope is not null && !ConsentScopes.All.Contains(request.Scope))
        {
            errors.Add("scope", $"must be one of {string.Join(", ", ConsentScopes.All)}");
        }

        return errors.ToProblem();
    }

    [WolverinePost("/api/patients/{patientId}/consents", OperationId = "grantConsent")]
    [Tags("Access"), ConsentResponses]
    public static Task<IResult> Post(Guid patientId, GrantConsent request, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new GrantConsentChange(request));
}

public sealed record GrantConsentChange(GrantConsent Request) : IRecordChange
{
    public RecordDecision Decide(RecordState state)
    {
        // Granting the scope a clinician already holds stores nothing; another scope is a new grant that replaces it.
        var clinician = Request.ClinicianId!.Trim();
        var scope = Request.Scope ?? ConsentScopes.Read;
        var held = state.Existing.Consents.TryGetValue(clinician, out var stored) ? ConsentScopes.Effective(stored) : null;
        object[] events = held == scope ? [] : [new ConsentGranted(clinician, scope)];
        return new Append(events, version =>
            Results.Json(new ConsentRecorded(state.PatientId, clinician, scope, true, version),
                statusCode: events.Length == 0 ? StatusCodes.Status200OK : StatusCodes.Status201Created));
    }
}

public static class RevokeConsentEndpoint
{
    [WolverineDelete("/api/patients/{patientId}/consents/{clinicianId}", OperationId = "revokeConsent")]
    [Tags("Access"), RevokeConsentResponses]
    public static Task<IResult> Delete(Guid patientId, string clinicianId, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new RevokeConsentChange(clinicianId));
}

public sealed record RevokeConsentChange(string ClinicianId) : IRecordChange
{
    public RecordDecision Decide(RecordState state) => Decide(state.PatientId, state.Existing, ClinicianId);

    private static RecordDecision Decide(Guid patientId, PatientRecord record, string clinicianId) =>
        record.Consents.TryGetValue(clinicianId, out var scope)
            ? new Append([new ConsentRevoked(clinicianId)], version =>
                Results.Ok(new ConsentRecorded(patientId, clinicianId, ConsentScopes.Effective(scope), false, version)))
            : new Reject(Problems.Result(StatusCodes.Status404NotFound, "consent-not-found", "No such consent.",
                $"Clinician {clinicianId} holds no consent on this record.", "clinicianId"));
}

public sealed class ConsentResponsesAttribute() : WriteResponsesAttribute(typeof(ConsentRecorded), StatusCodes.Status201Created, conflicts: false);

/// <summary>A revocation answers 200 with the withdrawn consent, or 404 when the clinician holds none.</summary>
public sealed class RevokeConsentResponsesAttribute() : WriteResponsesAttribute(typeof(ConsentRecorded), StatusCodes.Status200OK, conflicts: false);
