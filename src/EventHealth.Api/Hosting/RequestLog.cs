using System.Diagnostics;
using EventHealth.Access;

namespace EventHealth.Hosting;

/// <summary>
/// One log line per answered request: method, route template (never the path, whose ids and query are the caller's),
/// status, duration and correlation id. Nothing from the body or the record ever goes in.
/// </summary>
public static partial class RequestLog
{
    public const string Category = "EventHealth.Requests";

    public static IApplicationBuilder UseRequestLog(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var status = context.Response.StatusCode;
                var route = AccessControl.RoutePattern(context) ?? "(no route)";
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Answered(logger, status >= 500 ? LogLevel.Warning : LogLevel.Information, context.Request.Method, route, status,
                    Math.Round(elapsed, 1), Caller.Of(context.User).Role ?? "anonymous", CorrelationId.Get(context));
            }
        });
    }

    [LoggerMessage(EventId = 1, Message = "HTTP {Method} {Route} answered {Status} in {ElapsedMs} ms (role {Role}, correlation {CorrelationId})")]
    private static partial void Answered(ILogger logger, LogLevel level, string method, string route, int status, double elapsedMs, string role, string correlationId);
}
