using Scalar.AspNetCore;
using EventHealth.Access;
using EventHealth.Erasure;
using EventHealth.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Wolverine.Http;

namespace EventHealth.Hosting;

public static class HttpSurface
{
    /// <summary>Problem details, OpenAPI and Wolverine.HTTP: what every API client sees.</summary>
    public static IHostApplicationBuilder AddHttpSurface(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["correlationId"] = CorrelationId.Get(context.HttpContext);
            JsonSetup.DescribeJsonFailure(context.ProblemDetails, context.HttpContext);
            Problems.DescribeQueryFailure(context.ProblemDetails, context.HttpContext);
            Problems.DescribeMissingRecord(context.ProblemDetails);
        });
        builder.Services.AddOpenApiContract();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: [HealthEndpoints.ReadyTag]);
        builder.AddCrossOrigin();
        return builder;
    }

    public static WebApplication UseHttpSurface(this WebApplication app)
    {
        app.UseCorrelationId();
        app.UseRequestLog();
        // Unhandled exceptions become a problem document (503 while the database is unavailable, 500 otherwise).
        app.UseUnhandledErrors();
        // Bodiless error answers (unknown route, wrong method, ...) get a problem document too.
        app.UseStatusCodePages();
        // Before access: a preflight carries no token and must be answered as CORS, not as a 401.
        app.UseCors();
        app.UseAccess();
        app.UseErasedRecords();
        app.UseRequestBodyLimit(app.Configuration.GetValue("Api:MaxRequestBodyBytes", RequestBodyLimit.DefaultMaxBytes));
        app.UseConditionalGets();
        app.UseJsonBodyRules();
        app.UseRouteIdRules();
        app.UseUtcQueryTimestamps();

        app.MapMetrics();
        app.MapOpenApi();
        app.MapApiDocs();
        app.MapWolverineEndpoints(http =>
        {
            http.RejectUnparseableQueryValues = true;
            // Sessions and messages of a request about a patient belong to the patient's bucket (docs/scaling.md).
            http.TenantId.DetectWith<Sharding.PatientTenantDetection>();
        });
        return app;
    }
}
