using System.Text;
using EventHealth.Http;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace EventHealth.Hosting;

/// <summary>
/// What a client and the log see when a request fails unexpectedly. The client gets a problem document: 503 with
/// Retry-After when the database is unavailable, 500 otherwise. The log gets exception types, SQL states and stack
/// frames but no messages: database errors quote the offending values (record text), which must not reach logs.
/// </summary>
public static class UnhandledErrors
{
    public static IApplicationBuilder UseUnhandledErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // The framework's own log line carries the exception message; ours below does not.
            SuppressDiagnosticsCallback = _ => true,
            ExceptionHandler = async context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var unavailable = exception is not null && DatabaseUnavailable.Is(exception);
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("EventHealth.Errors").LogError(
                    "Request {Method} {Route} failed ({Outcome}): {Exception}",
                    context.Request.Method, Access.AccessControl.RoutePattern(context) ?? "(no route)",
                    unavailable ? "database unavailable" : "unhandled", exception is null ? "(none)" : Describe(exception));

                context.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
                if (unavailable)
                {
                    context.Response.Headers.RetryAfter = DatabaseUnavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await Results.Problem(unavailable ? Unavailable() : new ProblemDetails
                {
                    Type = "https://eventhealth.example/problems/internal-error",
                    Title = "The request failed.",
                    Status = StatusCodes.Status500InternalServerError,
                    Detail = "Nothing was changed by this request unless its answer said so. Quote the correlationId when reporting it.",
                }).ExecuteAsync(context);
            },
        });

    public static ProblemDetails Unavailable() => new()
    {
        Type = "https://eventhealth.example/problems/unavailable",
        Title = "The service is briefly unavailable.",
        Status = StatusCodes.Status503ServiceUnavailable,
        Detail = $"The database cannot be reached; nothing was stored. Send the same request again after {DatabaseUnavailable.RetryAfterSeconds} seconds.",
    };

    /// <summary>Exception types, SQL states and stack frames, innermost last; never a message.</summary>
    public static string Describe(Exception exception)
    {
        var text = new StringBuilder();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            text.Append(current.GetType().FullName);
            if (current is PostgresException postgres)
            {
                // Schema names only (never the message or detail, which quote values): which constraint or table refused.
                text.Append(" (SQL state ").Append(postgres.SqlState);
                if ((postgres.ConstraintName ?? postgres.TableName) is { } refusing)
                {
                    text.Append(", ").Append(refusing);
                }

                text.Append(')');
            }

            text.AppendLine().AppendLine(current.StackTrace);
        }

        return text.ToString();
    }
}
