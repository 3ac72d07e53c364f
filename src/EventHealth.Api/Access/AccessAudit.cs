using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Access;

/// <summary>One API request, as the access audit keeps it: who, in which role, what, on whose record, with what outcome.</summary>
public sealed record AccessRecord
{
    public Guid Id { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public string? Role { get; init; }
    public required string Method { get; init; }
    public required string Route { get; init; }
    public Guid? PatientId { get; init; }
    public int Status { get; init; }

    /// <summary>allowed, denied (401/403), throttled (429) or failed (5xx).</summary>
    public required string Outcome { get; init; }

    public required string CorrelationId { get; init; }

    public static string OutcomeOf(int status) => status switch
    {
        401 or 403 => "denied",
        429 => "throttled",
        >= 500 => "failed",
        _ => "allowed",
    };
}

public static class AccessAudit
{
    /// <summary>
    /// Records every API request after it is answered (denials included), in its own transaction. Records are only
    /// ever inserted: the code has no path that updates or deletes them.
    /// </summary>
    public static IApplicationBuilder UseAccessAudit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }

            try
            {
                await next(context);
            }
            finally
            {
                var caller = Caller.Of(context.User);
                var status = context.Response.StatusCode;
                var record = new AccessRecord
                {
                    Id = Guid.CreateVersion7(),
                    At = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
                    Actor = caller.Actor,
                    Role = caller.Role,
                    Method = context.Request.Method,
                    Route = AccessControl.RoutePattern(context) ?? context.Request.Path.Value ?? "",
                    PatientId = AccessControl.RoutePatientId(context)
                        ?? (context.Request.Path.Equals("/api/patients") ? caller.PatientId : null)
                        ?? (context.Request.Query.TryGetValue("patientId", out var queried) && Guid.TryParse(queried, out var q) ? q : null),
                    Status = status,
                    Outcome = AccessRecord.OutcomeOf(status),
                    CorrelationId = Hosting.CorrelationId.Get(context),
                };
                await using var session = context.RequestServices.GetRequiredService<IDocumentStore>().LightweightSession();
                session.Insert(record);
                await session.SaveChangesAsync(CancellationToken.None);
            }
        });
}

public sealed record AccessAuditPage(IReadOnlyList<AccessRecord> Records);

public static class GetAccessAuditEndpoint
{
    public const int MaxRecords = 1000;

    public static ProblemDetails Validate(DateTimeOffset? from, DateTimeOffset? to, int? limit)
    {
        var errors = new FieldErrors();
        if (from > to)
        {
            errors.Add("to", "must not be before from");
        }

        errors.Range("limit", limit, 1, MaxRecords);
        return errors.ToProblem();
    }

    /// <summary>The access audit, oldest first: every request touching records, with who, role, route, outcome and correlation id.</summary>
    [WolverineGet("/api/audit", OperationId = "getAccessAudit")]
    [Tags("Audit"), ReadResponses(typeof(AccessAuditPage))]
    public static async Task<IResult> Get(Guid? patientId, DateTimeOffset? from, DateTimeOffset? to, int? limit, IQuerySession session, HttpContext http)
    {
        var query = session.Query<AccessRecord>().AsQueryable();
        if (patientId is { } id)
        {
            query = query.Where(r => r.PatientId == id);
        }

        if (from is { } start)
        {
            query = query.Where(r => r.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(r => r.At < end);
        }

        var records = await query.OrderBy(r => r.At).ThenBy(r => r.Id).Take(limit ?? MaxRecords).ToListAsync(http.RequestAborted);
        return Results.Ok(new AccessAuditPage(records));
    }
}
