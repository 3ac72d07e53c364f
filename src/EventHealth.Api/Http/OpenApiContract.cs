using Scalar.AspNetCore;
using Microsoft.OpenApi;

namespace EventHealth.Http;

/// <summary>
/// The OpenAPI document at /openapi/v1.json, written for client generators: OpenAPI 3.0 (the version every
/// generator reads, NSwag included), schemas and operations described as served (see <see cref="OpenApiSchemas"/>
/// and <see cref="OpenApiOperations"/>), and the bearer scheme.
/// </summary>
public static class OpenApiContract
{
    public static IServiceCollection AddOpenApiContract(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_0;
            options.DescribeVocabularies();
            options.AddOperationTransformer(OpenApiOperations.Describe);
            options.AddDocumentTransformer((document, _, _) =>
            {
                DescribeDocument(document);
                return Task.CompletedTask;
            });
            options.AddDocumentTransformer(OpenApiSchemas.Normalize);
        });

    private static void DescribeDocument(OpenApiDocument document)
    {
        document.Info.Title = "EventHealth API";
        document.Info.Description = "Event-sourced health record for muscle twitching in fibromyalgia. "
            + "Every /api route takes a bearer token (JWT) whose 'role' is patient, clinician, operator or auditor "
            + "(locally: `ops/token patient <patient uuid>`). Timestamps are ISO-8601 with an offset; vocabularies are "
            + "kebab-case strings. Writes answer with `ETag: \"<record version>\"`; send it back in If-Match to refuse a write "
            + "on a record that changed (412). Problems are RFC 9457 documents naming the offending field.";
        // "http://host/" would give clients double slashes in "{server}/api/...".
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        var used = document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            .SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>()).Select(t => t.Name).OfType<string>().Distinct().Order(StringComparer.Ordinal);
        document.Tags = new HashSet<OpenApiTag>(used.Select(name => new OpenApiTag
        {
            Name = name,
            Description = OpenApiTexts.Tags.GetValueOrDefault(name),
        }));
        document.Components ??= new();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Paste a token (without the word Bearer).",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
    }
}

/// <summary>
/// The browsable docs at /docs (Scalar): every write shows its example body, and the bearer field takes a pasted token.
/// The page works with no network: its script is served by the package from this host, the default web fonts (a CDN)
/// are off, and the vendor's own buttons and services (client download, AI agent, MCP, telemetry) are hidden.
/// </summary>
public static class ApiDocs
{
    public static WebApplication MapApiDocs(this WebApplication app)
    {
        app.MapScalarApiReference("/docs", options => options
            .WithTitle("EventHealth API")
            .AddPreferredSecuritySchemes("bearer")
            .AddHttpAuthentication("bearer", bearer => bearer.Token = "")
            .EnablePersistentAuthentication()
            .DisableDefaultFonts()
            .HideClientButton()
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .HideDeveloperTools()
            // The vendor's "Powered by" link leads away from this API.
            .WithCustomCss("a[href*='scalar.com'] { display: none !important; }"));
        return app;
    }
}
