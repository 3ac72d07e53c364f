using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>One night's sleep.</summary>
public sealed record LogSleep : EntryRequest
{
    /// <summary>The date the night began.</summary>
    [Required]
    public DateOnly? Night { get; init; }

    /// <summary>0 to 24.</summary>
    [Required]
    public double? Hours { get; init => field = CanonicalNumbers.Canonical(value); }

    /// <summary>1 (poor) to 5 (excellent).</summary>
    [Required]
    public int? Quality { get; init; }

    [Required]
    public int? Awakenings { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        if (errors.Required("night", Night)
            && (Night < DateOnly.FromDateTime(EarliestOccurredAt.UtcDateTime) || Night > DateOnly.FromDateTime(now.UtcDateTime.AddDays(1))))
        {
            errors.Add("night", "must be a date between 1900-01-01 and tomorrow");
        }

        errors.Required("hours", Hours);
        errors.Range("hours", Hours, 0, 24);
        errors.Required("quality", Quality);
        errors.Range("quality", Quality, 1, 5);
        errors.Required("awakenings", Awakenings);
        errors.Range("awakenings", Awakenings, 0, 100);
    }

    public override IPatientEntry ToEvent() =>
        new SleepLogged(EntryId!.Value, OccurredAt!.Value, Night!.Value, Hours!.Value, Quality!.Value, Awakenings!.Value);
}

public static class LogSleepEndpoint
{
    public static ProblemDetails Validate(LogSleep request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/sleep", OperationId = "logSleep")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, LogSleep request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
