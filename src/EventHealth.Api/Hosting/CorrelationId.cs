using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EventHealth.Hosting;

/// <summary>
/// One correlation id per request: taken from the caller's <c>X-Correlation-ID</c> when it is a sane token,
/// otherwise the W3C trace id. It is echoed in the response, put in every log line's scope, and stored on events.
/// </summary>
public static partial class CorrelationId
{
    public const string HeaderName = "X-Correlation-ID";
    private const string ItemKey = "EventHealth.CorrelationId";

    public static string Get(HttpContext context) =>
        context.Items[ItemKey] as string ?? context.TraceIdentifier;

    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var incoming = context.Request.Headers[HeaderName].ToString();
            var correlationId = SafeToken().IsMatch(incoming)
                ? incoming
                : Activity.Current?.TraceId.ToHexString() ?? Guid.NewGuid().ToString("N");

            context.Items[ItemKey] = correlationId;
            context.Response.Headers[HeaderName] = correlationId;

            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("EventHealth.Request");
            using (logger.BeginScope("CorrelationId:{CorrelationId}", correlationId))
            {
                await next(context);
            }
        });

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeToken();
}
