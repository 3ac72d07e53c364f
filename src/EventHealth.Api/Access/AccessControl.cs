using EventHealth.Http;
using EventHealth.Recording;
using Marten;

namespace EventHealth.Access;

/// <summary>Applies <see cref="AccessRules"/> to each request once routing has chosen its endpoint.</summary>
public static class AccessControl
{
    private static async Task<Dictionary<string, string>?> ConsentsAsync(Sharding.TenantSessions sessions, Guid patientId, CancellationToken cancellation)
    {
        await using var session = sessions.QueryFor(patientId);
        return (await session.LoadAsync<PatientRecord>(patientId, cancellation))?.Consents;
    }

    public static IApplicationBuilder UseAccessControl(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (RoutePattern(context) is not { } pattern)
            {
                await next(context);
                return;
            }

            var caller = Caller.Of(context.User);
            var patientId = RoutePatientId(context);
            var consents = caller.Role == Roles.Clinician && patientId is { } id
                ? await ConsentsAsync(context.RequestServices.GetRequiredService<Sharding.TenantSessions>(), id, context.RequestAborted)
                : null;

            var decision = AccessRules.Decide(context.Request.Method, pattern, caller, patientId, clinician => consents?.GetValueOrDefault(clinician));
            if (decision.IsAllowed)
            {
                await next(context);
                return;
            }

            if (decision.Status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await Problems.Result(decision.Status!.Value, decision.Status == 401 ? "unauthenticated" : "forbidden",
                decision.Status == 401 ? "Authentication required." : "Not allowed.", decision.Reason).ExecuteAsync(context);
        });

    public static string? RoutePattern(HttpContext context) => (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } raw
        ? "/" + raw.TrimStart('/')
        : null;

    public static Guid? RoutePatientId(HttpContext context) =>
        context.Request.RouteValues.TryGetValue("patientId", out var value) && Guid.TryParse(value?.ToString(), out var id) ? id : null;
}
