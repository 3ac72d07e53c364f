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
        builder.Logging.AddJsonConsole(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });
        return builder;
    }
}
