using System.Threading.RateLimiting;
using EventHealth.Http;
using Marten;

namespace EventHealth.Access;

public sealed record RateLimitSettings
{
    public const string Section = "RateLimits";

    /// <summary>Writes (POST, PATCH, PUT, DELETE) one identity may make per minute.</summary>
    public int WritesPerMinute { get; init; } = 120;
}

public static class AccessConfiguration
{
    public static IHostApplicationBuilder AddAccess(this IHostApplicationBuilder builder)
    {
        builder.AddIdentity();
        var limits = builder.Configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetNoLimiter("reads")
                    : RateLimitPartition.GetFixedWindowLimiter(Caller.Of(context.User).Actor, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.WritesPerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    }));
            options.OnRejected = async (rejected, cancellation) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                rejected.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Result(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many writes.",
                    $"At most {limits.WritesPerMinute} writes per minute per identity.").ExecuteAsync(rejected.HttpContext);
            };
        });
        builder.Services.ConfigureMarten(options =>
        {
            options.Events.AddEventTypes([typeof(ConsentGranted), typeof(ConsentRevoked)]);
            options.Schema.For<AccessRecord>().Index(r => r.PatientId).Index(r => r.At);
        });
        return builder;
    }

    /// <summary>
    /// Order matters: the audit wraps everything that can answer (authentication failures and denials included);
    /// the rate limiter sees the identity; access control sees the chosen endpoint.
    /// </summary>
    public static IApplicationBuilder UseAccess(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAccessAudit();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app.UseAccessControl();
    }
}
