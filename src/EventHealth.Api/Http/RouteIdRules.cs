namespace EventHealth.Http;

/// <summary>
/// Ids in the path are UUIDs a client or the server chose, never the empty UUID (00000000-…): bodies refuse it for
/// entryId and patientId, and a path naming it is refused the same way, before any endpoint loads or appends.
/// </summary>
public static class RouteIdRules
{
    public static IApplicationBuilder UseRouteIdRules(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            foreach (var (name, value) in context.Request.RouteValues)
            {
                if (name.EndsWith("Id", StringComparison.Ordinal) && Guid.TryParse(value?.ToString(), out var id) && id == Guid.Empty)
                {
                    await Results.Problem(Problems.Validation(name, "must not be the empty UUID")).ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });
}
