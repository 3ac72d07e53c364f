using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>A twitching (fasciculation) episode.</summary>
public sealed record RecordEpisode : EntryRequest
{
    [Required]
    public IReadOnlyList<BodyRegion>? BodyRegions { get; init; }
    [Required]
    public Side? Side { get; init; }

    /// <summary>0 (barely noticeable) to 10.</summary>
    [Required]
    public int? Intensity { get; init; }

    [Required]
    public int? DurationSeconds { get; init; }

    /// <summary>Whether the twitch caused visible movement.</summary>
    [Required]
    public bool? Visible { get; init; }

    [Required]
    public bool? Painful { get; init; }

    protected override void ValidateFields(FieldErrors errors, DateTimeOffset now)
    {
        if (errors.Required("bodyRegions", BodyRegions))
        {
            if (BodyRegions!.Count == 0)
            {
                errors.Add("bodyRegions", "must name at least one body region");
            }

            for (var i = 0; i < BodyRegions.Count; i++)
            {
                errors.Defined($"bodyRegions[{i}]", (BodyRegion?)BodyRegions[i]);
            }
        }

        errors.Required("side", Side);
        errors.Defined("side", Side);
        errors.Required("intensity", Intensity);
        errors.Range("intensity", Intensity, 0, 10);
        errors.Required("durationSeconds", DurationSeconds);
        errors.Range("durationSeconds", DurationSeconds, 0, MaxDurationSeconds);
        errors.Required("visible", Visible);
        errors.Required("painful", Painful);
    }

    public override IPatientEntry ToEvent() => new TwitchEpisodeRecorded(
        EntryId!.Value, OccurredAt!.Value, BodyRegions!.Distinct().ToList(), Side!.Value, Intensity!.Value,
        DurationSeconds!.Value, Visible!.Value, Painful!.Value);
}

public static class RecordEpisodeEndpoint
{
    public static ProblemDetails Validate(RecordEpisode request, TimeProvider clock) => request.Check(clock);

    [WolverinePost("/api/patients/{patientId}/episodes", OperationId = "recordEpisode")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, RecordEpisode request, HttpContext http, TimeProvider clock) =>
        RecordEntry.SendAsync(patientId, request, http, clock);
}
