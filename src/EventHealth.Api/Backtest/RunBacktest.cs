using System.ComponentModel.DataAnnotations;
using EventHealth.Detection;
using EventHealth.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Backtest;

/// <summary>A rule version to evaluate in place of the live version of the same rule (a candidate, or a retired one).</summary>
public sealed record RuleVersionChoice([property: Required] string? RuleId, [property: Required] int? Version);

/// <summary>
/// Backtest a rule set over the local days <see cref="From"/> to <see cref="To"/> (inclusive, closed days only).
/// <see cref="Rules"/> replaces live versions by rule id; <see cref="PatientIds"/> limits the records (all by default).
/// </summary>
public sealed record RunBacktest([property: Required] DateOnly? From, [property: Required] DateOnly? To, IReadOnlyList<RuleVersionChoice>? Rules, IReadOnlyList<Guid>? PatientIds)
{
    public const int MaxDays = 366;

    /// <summary>
    /// A local day is over in every time zone (UTC−12 to UTC+14) 36 hours after it began in UTC. Only such days are
    /// backtested, so that records cannot still change "as they stood" on them and the same request gives the same report.
    /// </summary>
    public static DateOnly LatestClosedDay(DateTimeOffset now) => DateOnly.FromDateTime(now.UtcDateTime.AddHours(-36));

    /// <summary>The live set with the requested versions in place. Call it only on a request that passed validation: every choice names a shipped version.</summary>
    public IReadOnlyList<IDetectionRule> RuleSet() =>
        DetectionRules.LiveWith((Rules ?? []).Select(choice => DetectionRules.Find(choice.RuleId!, choice.Version!.Value)!));
}

public static class RunBacktestEndpoint
{
    public static ProblemDetails Validate(RunBacktest request, TimeProvider clock)
    {
        var errors = new FieldErrors();
        if (errors.Required("from", request.From) & errors.Required("to", request.To))
        {
            if (request.From > request.To)
            {
                errors.Add("to", "must not be before from");
            }
            else if (request.To!.Value.DayNumber - request.From!.Value.DayNumber >= RunBacktest.MaxDays)
            {
                errors.Add("to", $"the period may span at most {RunBacktest.MaxDays} days");
            }

            var latest = RunBacktest.LatestClosedDay(clock.GetUtcNow());
            if (request.To > latest)
            {
                errors.Add("to", $"must be a day that is over in every time zone (at most {latest:yyyy-MM-dd})");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (choice, index) in (request.Rules ?? []).Select((c, i) => (c, i)))
        {
            var item = errors.Under($"rules[{index}]");
            if (choice is null)
            {
                item.Add("", "is required");
                continue;
            }

            if (!item.Required("ruleId", choice.RuleId) | !item.Required("version", choice.Version))
            {
                continue;
            }

            if (!DetectionRules.Current.Any(r => r.RuleId == choice.RuleId))
            {
                item.Add("ruleId", "is not a detection rule");
            }
            else if (DetectionRules.Find(choice.RuleId!, choice.Version!.Value) is null)
            {
                item.Add("version", "no such version of this rule was shipped");
            }
            else if (!seen.Add(choice.RuleId!))
            {
                item.Add("ruleId", "is chosen twice");
            }
        }

        return errors.ToProblem();
    }

    /// <summary>
    /// Runs a rule set (the live versions, or candidate versions in their place) over every record as it stood at the
    /// end of each local day of the period, and reports the alerts it would have raised and how they differ from those
    /// raised. Reads only: no alert is written and no email is sent.
    /// </summary>
    [WolverinePost("/api/admin/detection/backtest", OperationId = "runBacktest")]
    [Tags("Operations"), ReadResponses(typeof(BacktestReport))]
    public static async Task<IResult> Post(RunBacktest request, BacktestRunner runner, HttpContext http) =>
        Results.Ok(await runner.RunAsync(request.From!.Value, request.To!.Value, request.RuleSet(), request.PatientIds, http.RequestAborted));
}
