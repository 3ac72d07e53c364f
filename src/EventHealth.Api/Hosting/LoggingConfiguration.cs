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
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        return builder;
    }
}
