using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Fluid and caffeine intake; at least one of the two amounts.</summary>
public sealed record LogIntake : EntryRequest
{
    public const int MaxWaterMl = 20_000;
    public const int MaxCaffeineMg = 5_000;

    public int? WaterMl { get; init; }
    public int? CaffeineMg { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        if (WaterMl is null && CaffeineMg is null)
        {
            errors.Add("waterMl", "is required when caffeineMg is absent");
        }

        errors.Range("waterMl", WaterMl, 0, MaxWaterMl);
        errors.Range("caffeineMg", CaffeineMg, 0, MaxCaffeineMg);
    }

    public override IPatientEntry ToEvent() => new IntakeLogged(EntryId!.Value, OccurredAt!.Value, WaterMl, CaffeineMg);
}

public static class LogIntakeEndpoint
{
    public static ProblemDetails Validate(LogIntake request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/intake", OperationId = "logIntake")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, LogIntake request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
