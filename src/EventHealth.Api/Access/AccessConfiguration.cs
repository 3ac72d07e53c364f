using System.Threading.RateLimiting;
using EventHealth.Http;
using Marten;

namespace EventHealth.Access;

public sealed record RateLimitSettings
{
    public const string Section = "RateLimits";

    /// <summary>Writes (POST, PATCH, PUT, DELETE) one identity may make per minute.</summary>
    public int WritesPerMinute { get; init; } = 120;

    /// <summary>Reads one identity may make per minute: every read is audited, so reads are bounded too.</summary>
    public int ReadsPerMinute { get; init; } = 600;

    /// <summary>Requests without a valid token, per client address and minute: enough to see the 401 and fix the token.</summary>
    public int AnonymousPerMinute { get; init; } = 30;
}

/// <summary>Which budget a request draws from. Pure, so the partitioning is unit-tested without a host.</summary>
public static class RateLimitPolicy
{
    /// <returns>null for requests outside the API (health, OpenAPI, docs), which are neither audited nor limited.</returns>
    public static (string Partition, int PerMinute, string Kind)? For(string method, PathString path, Caller caller, string? clientAddress, RateLimitSettings limits)
    {
        if (!path.StartsWithSegments("/api"))
        {
            return null;
        }

        if (!caller.Authenticated)
        {
            return ($"anonymous:{clientAddress ?? "unknown"}", limits.AnonymousPerMinute, "requests without a valid token");
        }

        return HttpMethods.IsGet(method) || HttpMethods.IsHead(method)
            ? ($"reads:{caller.Actor}", limits.ReadsPerMinute, "reads")
            : ($"writes:{caller.Actor}", limits.WritesPerMinute, "writes");
    }
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
                RateLimitPolicy.For(context.Request.Method, context.Request.Path, Caller.Of(context.User), context.Connection.RemoteIpAddress?.ToString(), limits) is { } budget
                    ? RateLimitPartition.GetFixedWindowLimiter(budget.Partition, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = budget.PerMinute,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("outside the API"));
            options.OnRejected = async (rejected, cancellation) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                rejected.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var context = rejected.HttpContext;
                var budget = RateLimitPolicy.For(context.Request.Method, context.Request.Path, Caller.Of(context.User), context.Connection.RemoteIpAddress?.ToString(), limits);
                await Problems.Result(StatusCodes.Status429TooManyRequests, "rate-limited", "Too many requests.",
                    $"At most {budget?.PerMinute} {budget?.Kind} per minute; retry after the Retry-After delay.").ExecuteAsync(context);
            };
        });
        builder.Services.AddSingleton<AccessAuditWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<AccessAuditWriter>());
        builder.Services.ConfigureMarten(options =>
        {
            options.Schema.For<AccessRecord>().Index(r => r.PatientId).Index(r => r.At);
            options.Storage.Add(new Hosting.DocumentTableScripts<AccessRecord>(options.Advanced.Migrator,
                new AccessAuditGuard(), new Hosting.UnsampledDocumentColumns(AccessAuditGuard.TableName, "data")));
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
