namespace EventHealth.Hosting;

public sealed record CorsSettings
{
    public const string Section = "Cors";

    /// <summary>
    /// Origins (scheme, host and port, e.g. https://clinic.example.org) whose browser apps may call the API.
    /// None by default: a browser on another origin is refused until an operator names it.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
}

public static class CrossOrigin
{
    /// <summary>
    /// CORS for browser apps on other origins. Bearer tokens travel in a header, so no credentials (cookies) are
    /// allowed across origins; the headers a client needs to read (correlation id, Location, Retry-After) are exposed.
    /// </summary>
    public static IHostApplicationBuilder AddCrossOrigin(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(CorsSettings.Section).Get<CorsSettings>() ?? new CorsSettings();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
            .WithOrigins([.. settings.AllowedOrigins.Select(o => o.TrimEnd('/'))])
            .AllowAnyHeader()
            .AllowAnyMethod()
            .WithExposedHeaders(CorrelationId.HeaderName, "Location", "ETag", "Retry-After")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        return builder;
    }
}
