using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Daily;

/// <param name="ProjectedThroughVersion">The record version the summaries reflect; daily summaries are built
/// asynchronously, so right after a write this can trail <paramref name="StreamVersion"/> for a moment.</param>
public sealed record DailySummaries(
    Guid PatientId,
    string TimeZone,
    DateOnly From,
    DateOnly To,
    long StreamVersion,
    long ProjectedThroughVersion,
    IReadOnlyList<DailySummary> Days);

public static class GetDailySummariesEndpoint
{
    public const int DefaultDays = 30;
    public const int MaxDays = 366;

    public static ProblemDetails Validate(DateOnly? from, DateOnly? to, HttpContext http)
    {
        var errors = new FieldErrors();
        errors.QueryDates(http.Request, "from", "to");
        if (from > to)
        {
            errors.Add("to", "must not be before from");
        }
        else if (from is { } start && to is { } end && end.DayNumber - start.DayNumber >= MaxDays)
        {
            errors.Add("to", $"a range covers at most {MaxDays} days");
        }

        return errors.ToProblem();
    }

    /// <summary>One row per local day that holds entries, in the patient's time zone. Dates are inclusive; the default is the last 30 days.</summary>
    [WolverineGet("/api/patients/{patientId}/daily", OperationId = "getDailySummaries")]
    [Tags("Timeline"), ReadResponses(typeof(DailySummaries))]
    public static async Task<IResult> Get(Guid patientId, DateOnly? from, DateOnly? to, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        // The time zone with its version from one row, then the days: at least as new as the version answered.
        if (await RecordVersion.ReadAsync(session, patientId, http.RequestAborted) is not { Record: { } record } head)
        {
            return Problems.PatientNotFound(patientId);
        }

        var today = PatientCalendar.Today(record.TimeZone, clock);
        var end = to ?? (from is { } start ? start.AddDays(DefaultDays - 1) : today);
        var begin = from ?? end.AddDays(-(DefaultDays - 1));
        if (end.DayNumber - begin.DayNumber >= MaxDays)
        {
            return Results.Problem(Problems.Validation("from", $"a range covers at most {MaxDays} days"));
        }

        var summaries = await DailySummaryReads.RangeAsync(session, patientId, begin, end, http.RequestAborted);
        return Results.Ok(new DailySummaries(patientId, record.TimeZone, begin, end, head.Version, summaries.ProjectedThroughVersion, summaries.Days));
    }
}
