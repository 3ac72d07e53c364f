using EventHealth.Daily;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Insights;

public sealed record PatientInsights(
    Guid PatientId,
    int Days,
    DateOnly From,
    DateOnly To,
    int TrackedDays,
    long ProjectedThroughVersion,
    IReadOnlyList<TriggerAssociation> Triggers,
    IReadOnlyList<InterventionEffect> Interventions);

public static class GetInsightsEndpoint
{
    public const int DefaultDays = 30;
    public const int MaxDays = 365;

    public static ProblemDetails Validate(int? days)
    {
        var errors = new FieldErrors();
        errors.Range("days", days, 1, MaxDays);
        return errors.ToProblem();
    }

    /// <summary>For the latest N local days: episodes on days with each trigger against days without, and episode rates before and after each intervention.</summary>
    [WolverineGet("/api/patients/{patientId}/insights", OperationId = "getInsights")]
    [Tags("Timeline"), ReadResponses(typeof(PatientInsights))]
    public static async Task<IResult> Get(Guid patientId, int? days, [ExistingRecord] PatientRecord record, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        var span = days ?? DefaultDays;
        var to = PatientCalendar.Today(record.TimeZone, clock);
        var from = to.AddDays(-(span - 1));
        var summaries = await DailySummaryReads.RangeAsync(session, patientId, from, to, http.RequestAborted);
        var tracked = summaries.Days;

        return Results.Ok(new PatientInsights(patientId, span, from, to, tracked.Count, summaries.ProjectedThroughVersion,
            InsightCalculator.TriggerAssociations(tracked), InsightCalculator.InterventionEffects(tracked)));
    }
}
