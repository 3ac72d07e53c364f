using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Exposure to a known trigger (stress, poor sleep, caffeine, ...).</summary>
public sealed record ReportTrigger : EntryRequest
{
    [Required]
    public TriggerKind? Kind { get; init; }

    /// <summary>Optional strength, 0 to 10.</summary>
    public int? Level { get; init; }

    public string? Details { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        errors.Required("kind", Kind);
        errors.Defined("kind", Kind);
        errors.Range("level", Level, 0, 10);
        errors.MaxLength("details", Details, MaxDetailsLength);
    }

    public override IPatientEntry ToEvent() =>
        new TriggerReported(EntryId!.Value, OccurredAt!.Value, Kind!.Value, Level, NullIfBlank(Details));

    internal static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}

public static class ReportTriggerEndpoint
{
    public static ProblemDetails Validate(ReportTrigger request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/triggers", OperationId = "reportTrigger")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, ReportTrigger request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
