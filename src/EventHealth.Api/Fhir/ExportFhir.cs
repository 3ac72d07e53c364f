using System.Text.Json;
using EventHealth.Http;
using EventHealth.Recording;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using JasperFx.CodeGeneration;
using Marten;
using Wolverine.Http;

namespace EventHealth.Fhir;

public static class ExportFhirEndpoint
{
    public const string ContentType = OpenApiOperations.FhirContentType;

    /// <summary>FHIR's JSON, written by the Firely SDK's own System.Text.Json converters.</summary>
    public static readonly JsonSerializerOptions FhirJson = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    /// <summary>
    /// The whole record as a FHIR R4 Bundle (like <c>$everything</c>): the patient, one Observation per entry,
    /// interventions as Procedure or MedicationStatement, alerts as DetectedIssue with their evidence. Same access
    /// rules and audit as the JSON export.
    /// </summary>
    [WolverineGet("/api/patients/{patientId}/fhir", OperationId = "exportRecordAsFhir")]
    [Tags("Audit"), FhirResponses]
    public static async Task<IResult> Get(Guid patientId, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        // The profile with its version, then the events through that version: the bundle is the record as of one version.
        if (await RecordVersion.ReadAsync(session, patientId, http.RequestAborted) is not { Record: { } record } head)
        {
            return Problems.PatientNotFound(patientId);
        }

        var events = await session.Events.FetchStreamAsync(patientId, head.Version, token: http.RequestAborted);
        var bundle = FhirBundle.Build(record, head.Version, events, clock.GetUtcNow());

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"eventhealth-{patientId}.fhir.json\"";
        WriteContext.SetETag(http.Response, head.Version);
        return Results.Text(JsonSerializer.Serialize(bundle, FhirJson), ContentType, System.Text.Encoding.UTF8);
    }
}

/// <summary>The FHIR export answers a Bundle in FHIR's own media type (its schema is FHIR's, not this API's).</summary>
public sealed class FhirResponsesAttribute : ModifyHttpChainAttribute
{
    public override void Modify(HttpChain chain, GenerationRules rules)
    {
        chain.Metadata
            .Produces<string>(StatusCodes.Status200OK, ExportFhirEndpoint.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status410Gone, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status401Unauthorized, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden, Problems.ContentType);
    }
}
