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
    /// Records every API request (denials included) BEFORE the answer leaves: the answer is held in a buffer until the
    /// record is committed (by <see cref="AccessAuditWriter"/>, which shares a transaction among concurrent requests). If the record cannot be written, the client gets a 503 problem
    /// instead of the answer, so nothing is ever read or changed without its trace. Records are only ever inserted;
    /// the database refuses updates and deletes of the table (AccessAuditGuard).
    /// </summary>
    public static IApplicationBuilder UseAccessAudit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }

            var answer = context.Response.Body;
            await using var held = HeldAnswers.Hold();
            context.Response.Body = held;
            Exception? failure = null;
            try
            {
                await next(context);
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                context.Response.Body = answer;
            }

            var status = failure is null ? context.Response.StatusCode
                : Hosting.DatabaseUnavailable.Is(failure) ? StatusCodes.Status503ServiceUnavailable
                : StatusCodes.Status500InternalServerError;
            try
            {
                await WriteAsync(context, status);
            }
            catch (Exception auditFailure) when (failure is null && !context.Response.HasStarted)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("EventHealth.Access").LogError(
                    "Access audit could not be written; the answer ({Status}) was withheld: {Exception}", status, Hosting.UnhandledErrors.Describe(auditFailure));
                var correlationId = context.Response.Headers[Hosting.CorrelationId.HeaderName];
                context.Response.Clear();
                context.Response.Headers[Hosting.CorrelationId.HeaderName] = correlationId;
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = Hosting.DatabaseUnavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Results.Problem(Hosting.UnhandledErrors.Unavailable()).ExecuteAsync(context);
                return;
            }
            catch (Exception) when (failure is not null)
            {
                // The request failed anyway (most likely the database is down): its own error answer follows.
            }

            if (failure is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            await HeldAnswers.ReleaseAsync(context, held);
        });

    /// <summary>Set once the write path committed the request's access record with its events.</summary>
    private const string WrittenWithTheChange = "EventHealth.AccessRecordWritten";

    /// <summary>
    /// The access record of a write to <paramref name="patientId"/>'s record, for the write path to commit in the same
    /// transaction as the events (its status is the decision's); null when the middleware should write it as usual.
    /// </summary>
    public static Func<int, AccessRecord>? ForWrite(HttpContext context, Guid patientId)
    {
        if (!context.Request.Path.StartsWithSegments("/api"))
        {
            return null;
        }

        var record = RecordOf(context, StatusCodes.Status200OK);
        return record.PatientId == patientId ? status => record with { Status = status, Outcome = AccessRecord.OutcomeOf(status) } : null;
    }

    /// <summary>The write path committed this request's record: the middleware writes none.</summary>
    public static void MarkWritten(HttpContext context) => context.Items[WrittenWithTheChange] = true;

    private static async Task WriteAsync(HttpContext context, int status)
    {
        if (context.Items.ContainsKey(WrittenWithTheChange))
        {
            return;
        }

        await context.RequestServices.GetRequiredService<AccessAuditWriter>().WriteAsync(RecordOf(context, status));
    }

    private static AccessRecord RecordOf(HttpContext context, int status)
    {
        var caller = Caller.Of(context.User);
        return new AccessRecord
        {
            Id = Guid.CreateVersion7(),
            At = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
            Actor = caller.Actor,
            Role = caller.Role,
            Method = context.Request.Method,
            // Unmatched paths are kept, cut short: they show probing without letting a caller write long text here.
            Route = AccessControl.RoutePattern(context) ?? Truncate(context.Request.Path.Value ?? "", 200),
            PatientId = AccessControl.RoutePatientId(context)
                ?? (context.Request.Path.Equals("/api/patients") ? caller.PatientId : null)
                ?? (context.Request.Query.TryGetValue("patientId", out var queried) && Guid.TryParse(queried, out var q) ? q : null),
            Status = status,
            Outcome = AccessRecord.OutcomeOf(status),
            CorrelationId = Hosting.CorrelationId.Get(context),
        };
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];
}

public sealed record AccessAuditPage(IReadOnlyList<AccessRecord> Records);

public static class GetAccessAuditEndpoint
{
    public const int MaxRecords = 1000;

    public static ProblemDetails Validate(DateTimeOffset? from, DateTimeOffset? to, int? limit, HttpContext http)
    {
        var errors = new FieldErrors();
        errors.QueryTimestamps(http.Request, "from", "to");
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
    public static async Task<IResult> Get(Guid? patientId, DateTimeOffset? from, DateTimeOffset? to, int? limit, Sharding.TenantSessions sessions, HttpContext http)
    {
        var take = limit ?? MaxRecords;
        if (patientId is { } id)
        {
            await using var session = sessions.QueryFor(id);
            return Results.Ok(new AccessAuditPage(await ReadAsync(session.Query<AccessRecord>().Where(r => r.PatientId == id), from, to, take, http.RequestAborted)));
        }

        // Every shard's records (all its tenants), merged in time order.
        var pages = await Task.WhenAll((await sessions.DatabasesAsync()).Select(async database =>
        {
            await using var session = sessions.QueryForTenant(database.Tenants[0]);
            return await ReadAsync(session.Query<AccessRecord>().Where(r => r.AnyTenant()), from, to, take, http.RequestAborted);
        }));
        return Results.Ok(new AccessAuditPage([.. pages.SelectMany(p => p).OrderBy(r => r.At).ThenBy(r => r.Id).Take(take)]));
    }

    private static async Task<IReadOnlyList<AccessRecord>> ReadAsync(IQueryable<AccessRecord> query, DateTimeOffset? from, DateTimeOffset? to, int take, CancellationToken cancellation)
    {
        if (from is { } start)
        {
            query = query.Where(r => r.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(r => r.At < end);
        }

        return await query.OrderBy(r => r.At).ThenBy(r => r.Id).Take(take).ToListAsync(cancellation);
    }
}
