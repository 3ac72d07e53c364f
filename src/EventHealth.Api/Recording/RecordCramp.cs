using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>A painful cramp or spasm.</summary>
public sealed record RecordCramp : EntryRequest
{
    [Required]
    public BodyRegion? BodyRegion { get; init; }

    /// <summary>0 to 10.</summary>
    [Required]
    public int? Severity { get; init; }

    [Required]
    public int? DurationSeconds { get; init; }
    [Required]
    public bool? Sudden { get; init; }
    [Required]
    public bool? DisruptedDailyActivities { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        errors.Required("bodyRegion", BodyRegion);
        errors.Defined("bodyRegion", BodyRegion);
        errors.Required("severity", Severity);
        errors.Range("severity", Severity, 0, 10);
        errors.Required("durationSeconds", DurationSeconds);
        errors.Range("durationSeconds", DurationSeconds, 0, MaxDurationSeconds);
        errors.Required("sudden", Sudden);
        errors.Required("disruptedDailyActivities", DisruptedDailyActivities);
    }

    public override IPatientEntry ToEvent() => new CrampRecorded(
        EntryId!.Value, OccurredAt!.Value, BodyRegion!.Value, Severity!.Value, DurationSeconds!.Value,
        Sudden!.Value, DisruptedDailyActivities!.Value);
}

public static class RecordCrampEndpoint
{
    public static ProblemDetails Validate(RecordCramp request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/cramps", OperationId = "recordCramp")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, RecordCramp request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
