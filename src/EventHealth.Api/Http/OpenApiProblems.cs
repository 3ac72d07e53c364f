using Microsoft.OpenApi;

namespace EventHealth.Http;

/// <summary>The problem document's extensions, as <see cref="Problems"/> and the host's problem customisation write them.</summary>
public static class OpenApiProblems
{
    public const string Schema = "ProblemDetails";

    public static void Describe(IDictionary<string, IOpenApiSchema> schemas)
    {
        if (!schemas.TryGetValue(Schema, out var component) || component is not OpenApiSchema problem)
        {
            return;
        }

        problem.Description = "An RFC 9457 problem. Validation problems (400) list every offending field in \"errors\"; other problems "
            + "name the one field or header they are about in \"field\".";
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "Validation failures by JSON path of the field (\"intensity\", \"entries[3].bodyRegions[0]\"), each with its messages.",
            AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
        };
        problem.Properties["field"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The field or header the problem is about (\"entryId\", \"If-Match\").",
        };
        problem.Properties["correlationId"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The request's correlation id (also in the X-Correlation-ID header), for support and audits.",
        };
        problem.Properties["currentVersion"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int64",
            Description = "On 412: the record's current version, to re-read and retry with.",
        };
    }
}
