using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Something done to reduce twitching (magnesium, stretching, heat, breathing, ...).</summary>
public sealed record ApplyIntervention : EntryRequest
{
    public const int MaxDoseMg = 100_000;

    [Required]
    public InterventionKind? Kind { get; init; }
    public int? DoseMg { get; init; }
    public string? Details { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        errors.Required("kind", Kind);
        errors.Defined("kind", Kind);
        errors.Range("doseMg", DoseMg, 0, MaxDoseMg);
        errors.MaxLength("details", Details, MaxDetailsLength);
    }

    public override IPatientEntry ToEvent() =>
        new InterventionApplied(EntryId!.Value, OccurredAt!.Value, Kind!.Value, DoseMg, ReportTrigger.NullIfBlank(Details));
}

public static class ApplyInterventionEndpoint
{
    public static ProblemDetails Validate(ApplyIntervention request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/interventions", OperationId = "applyIntervention")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, ApplyIntervention request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
