using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EventHealth.Hosting;

public static class LoggingConfiguration
{
    /// <summary>
    /// JSON console logs with scopes, so every line of a request carries its correlation id.
    /// Log messages name ids and outcomes, never record contents (health data stays out of logs).
    /// </summary>
    public static IHostApplicationBuilder AddStructuredLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        // Marten logs a failed command with its parameters, and event parameters carry record contents (names,
        // emails, symptoms). The exception itself still reaches the log through the request's error handling.
        builder.Logging.AddFilter("Marten", LogLevel.Critical);
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });
        builder.Services.Replace(ServiceDescriptor.Singleton(typeof(ILogger<>), typeof(ClientErrorLogger<>)));
        return builder;
    }
}

/// <summary>
/// The framework's <see cref="ILogger{T}"/>, except for one line: Wolverine.HTTP (6.62 to 6.64 at least) logs a request body that fails to
/// deserialize (a client's typo) at Error with a stack trace, under the body type's category. That is the client's
/// error, already answered with a 400 problem and logged as one request line; here it drops to Debug.
/// </summary>
public sealed class ClientErrorLogger<T>(ILoggerFactory factory) : ILogger<T>
{
    private const string UnreadableBody = "Error trying to deserialize JSON from incoming HTTP body";

    private readonly ILogger inner = new Logger<T>(factory);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var level = logLevel >= LogLevel.Error && exception is JsonException or BadHttpRequestException && IsUnreadableBody(state) ? LogLevel.Debug : logLevel;
        inner.Log(level, eventId, state, exception, formatter);
    }

    private static bool IsUnreadableBody<TState>(TState state) =>
        state is IReadOnlyList<KeyValuePair<string, object?>> values
        && values.Any(v => v.Key == "{OriginalFormat}" && v.Value is string format && format.StartsWith(UnreadableBody, StringComparison.Ordinal));
}
