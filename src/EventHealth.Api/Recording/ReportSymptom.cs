using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>A neurological symptom the article names as a reason to see a doctor.</summary>
public sealed record ReportSymptom : EntryRequest
{
    [Required]
    public SymptomKind? Kind { get; init; }
    public BodyRegion? BodyRegion { get; init; }

    /// <summary>0 to 10.</summary>
    [Required]
    public int? Severity { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        errors.Required("kind", Kind);
        errors.Defined("kind", Kind);
        errors.Defined("bodyRegion", BodyRegion);
        errors.Required("severity", Severity);
        errors.Range("severity", Severity, 0, 10);
    }

    public override IPatientEntry ToEvent() =>
        new NeurologicalSymptomReported(EntryId!.Value, OccurredAt!.Value, Kind!.Value, BodyRegion, Severity!.Value);
}

public static class ReportSymptomEndpoint
{
    public static ProblemDetails Validate(ReportSymptom request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/symptoms", OperationId = "reportSymptom")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, ReportSymptom request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
