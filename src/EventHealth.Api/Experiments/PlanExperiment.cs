using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Experiments;

/// <summary>
/// Plans an N-of-1 experiment: A periods with the intervention, B periods with the comparison (nothing, or another
/// intervention), in pairs whose order the server draws. Every field is nullable so a missing one is named.
/// </summary>
/// <param name="ExperimentId">The client-chosen idempotency key, like an entry's entryId.</param>
/// <param name="Dose">The dose or target in the patient's words ("300 mg", "2 L").</param>
/// <param name="Comparison">Absent or null: B periods are periods without the intervention.</param>
/// <param name="Outcome">Default daily-episodes.</param>
/// <param name="WashoutDays">Default 0.</param>
/// <param name="StartDate">The first day, in the patient's local calendar; today or later. Default: the patient's local tomorrow.</param>
public sealed record PlanExperiment(
    [property: Required] Guid? ExperimentId,
    [property: Required] InterventionKind? Intervention,
    string? Dose,
    InterventionKind? Comparison,
    ExperimentOutcome? Outcome,
    [property: Required] int? PeriodDays,
    [property: Required] int? Pairs,
    int? WashoutDays,
    DateOnly? StartDate)
{
    public const int MinPeriodDays = 3;
    public const int MaxPeriodDays = 14;
    public const int MinPairs = 2;
    public const int MaxPairs = 8;
    public const int MaxWashoutDays = 3;
    public const int MaxDoseLength = 100;

    /// <summary>How far ahead a start may be planned.</summary>
    public const int MaxDaysAhead = 366;
}

/// <summary>The answer to a plan: where and when it was stored, and the days it spans (the schedule is read with GET).</summary>
public sealed record ExperimentPlanRecorded(Guid PatientId, Guid ExperimentId, long Version, DateTimeOffset RecordedAt, DateOnly StartDate, DateOnly LastDay);

public static class PlanExperimentEndpoint
{
    public static ProblemDetails Validate(PlanExperiment request)
    {
        var errors = new FieldErrors();
        if (errors.Required("experimentId", request.ExperimentId) && request.ExperimentId == Guid.Empty)
        {
            errors.Add("experimentId", "must not be the empty UUID");
        }

        errors.Required("intervention", request.Intervention);
        errors.Defined("intervention", request.Intervention);
        errors.MaxLength("dose", request.Dose, PlanExperiment.MaxDoseLength);
        errors.Defined("comparison", request.Comparison);
        if (request.Comparison is { } comparison && comparison == request.Intervention)
        {
            errors.Add("comparison", "must differ from the intervention (leave it out to compare with doing nothing)");
        }

        errors.Defined("outcome", request.Outcome);
        errors.Required("periodDays", request.PeriodDays);
        errors.Range("periodDays", request.PeriodDays, PlanExperiment.MinPeriodDays, PlanExperiment.MaxPeriodDays);
        errors.Required("pairs", request.Pairs);
        errors.Range("pairs", request.Pairs, PlanExperiment.MinPairs, PlanExperiment.MaxPairs);
        errors.Range("washoutDays", request.WashoutDays, 0, PlanExperiment.MaxWashoutDays);
        if (request.WashoutDays is { } washout and >= 0 and <= PlanExperiment.MaxWashoutDays && request.PeriodDays is { } period
            and >= PlanExperiment.MinPeriodDays and <= PlanExperiment.MaxPeriodDays && washout >= period)
        {
            errors.Add("washoutDays", "must be shorter than periodDays, or no day of a period is analysed");
        }

        return errors.ToProblem();
    }

    /// <summary>The patient, or a clinician with read-write consent, plans an experiment: 201, or 200 with the first answer for a repeat.</summary>
    [WolverinePost("/api/patients/{patientId}/experiments", OperationId = "planExperiment")]
    [Tags("Experiments"), PlanResponses]
    public static Task<IResult> Post(Guid patientId, PlanExperiment request, HttpContext http, TimeProvider clock) =>
        // The seed is drawn once per request, before deciding: the decision stays pure, and a retried attempt keeps it.
        RecordWrites.SendAsync(http, clock, patientId, new PlanExperimentChange(request, RandomNumberGenerator.GetInt32(int.MaxValue)));

    /// <summary>
    /// Pure: the record, the request, the drawn seed and the time give the events and the answer. The same experimentId
    /// with the same design answers the first answer and stores nothing (a repeat without startDate means the stored
    /// one); with another design, 409. A start before the patient's local today, or over an open experiment's days, is refused.
    /// </summary>
    public static RecordDecision Decide(Guid patientId, PatientRecord record, long version, PlanExperiment request, int seed, DateTimeOffset now)
    {
        var experimentId = request.ExperimentId!.Value;
        if (record.Experiments.TryGetValue(experimentId, out var existing))
        {
            var repeat = Design(request, request.StartDate ?? existing.StartDate);
            return Fingerprint.Of(repeat) == existing.Fingerprint
                ? new Append([], _ => Results.Ok(new ExperimentPlanRecorded(patientId, experimentId, existing.PlannedVersion, existing.PlannedAt, existing.StartDate, existing.LastDay)))
                : new Reject(Problems.IdempotencyConflict("experimentId", experimentId));
        }

        var today = PatientCalendar.LocalDate(now, record.TimeZone);
        var start = request.StartDate ?? today.AddDays(1);
        if (start < today)
        {
            return new Reject(Results.Problem(Problems.Validation("startDate",
                $"must not be before the patient's local today ({today:yyyy-MM-dd}): a plan is fixed before any outcome is seen")));
        }

        if (start > today.AddDays(PlanExperiment.MaxDaysAhead))
        {
            return new Reject(Results.Problem(Problems.Validation("startDate", $"must be at most {PlanExperiment.MaxDaysAhead} days ahead")));
        }

        var design = Design(request, start);
        var schedule = ExperimentSchedule.Draw(seed, start, design.PeriodDays, design.Pairs, design.WashoutDays);
        var last = schedule[^1].Date;
        if (record.Experiments.Values.FirstOrDefault(e => e.Open && e.StartDate <= last && start <= e.LastDay) is { } overlapping)
        {
            // Two interventions trialled on the same days would confound each other's analysis.
            return new Reject(Problems.Result(StatusCodes.Status409Conflict, "experiment-overlaps", "Another experiment runs on these days.",
                $"An open experiment runs from {overlapping.StartDate:yyyy-MM-dd} to {overlapping.LastDay:yyyy-MM-dd}; stop it or start after it.", "startDate"));
        }

        var planned = new ExperimentPlanned(experimentId, design.Intervention, design.Dose, design.Comparison, design.Outcome, design.PeriodDays,
            design.Pairs, design.WashoutDays, start, seed, ExperimentSchedule.Version, schedule);
        var answer = new ExperimentPlanRecorded(patientId, experimentId, version + 1, now, start, last);
        return new Append([planned], _ => Results.Json(answer, statusCode: StatusCodes.Status201Created));
    }

    /// <summary>The request with its defaults filled in and its free text trimmed: what a repeat is compared on.</summary>
    private static ExperimentDesign Design(PlanExperiment request, DateOnly start) => new(
        request.ExperimentId!.Value,
        request.Intervention!.Value,
        string.IsNullOrWhiteSpace(request.Dose) ? null : request.Dose.Trim(),
        request.Comparison,
        request.Outcome ?? ExperimentOutcome.DailyEpisodes,
        request.PeriodDays!.Value,
        request.Pairs!.Value,
        request.WashoutDays ?? 0,
        start);
}

/// <summary>The plan as a change to the record, with the seed drawn for this request.</summary>
public sealed record PlanExperimentChange(PlanExperiment Request, int Seed) : IRecordChange
{
    public RecordDecision Decide(RecordState state) =>
        PlanExperimentEndpoint.Decide(state.PatientId, state.Existing, state.Version, Request, Seed, state.Now);
}

public sealed class PlanResponsesAttribute() : WriteResponsesAttribute(typeof(ExperimentPlanRecorded), StatusCodes.Status201Created);
