using System.Globalization;
using EventHealth.Hosting;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace EventHealth.Http;

/// <summary>
/// Describes every operation as the pipeline serves it, by rules that hold for any route (so routes added later are
/// described the same way): the headers that go in and out, and the answers that the middleware in front of the
/// endpoints adds (429 from the write limiter, 304 from conditional GETs) or that cannot happen (no 404 without a
/// path parameter, no 413/415 without a body).
/// </summary>
public static class OpenApiOperations
{
    public const string FhirContentType = "application/fhir+json";

    public static Task Describe(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellation)
    {
        var description = context.Description;
        var method = description.HttpMethod ?? "GET";
        var path = "/" + (description.RelativePath ?? "").TrimStart('/');
        var isApi = path.StartsWith("/api/", StringComparison.Ordinal);
        var isRead = HttpMethods.IsGet(method);
        var write = description.ActionDescriptor.EndpointMetadata.OfType<RecordWriteMetadata>().LastOrDefault();

        if (operation.OperationId is { } id && OpenApiTexts.Operations.TryGetValue(id, out var texts))
        {
            operation.Summary = texts.Summary;
            operation.Description = texts.Description;
            if (texts.Example is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = OpenApiTexts.ExampleOf(id);
            }
        }
        else if (operation.Summary is { } placeholder && placeholder.Contains('_', StringComparison.Ordinal))
        {
            // Wolverine's generated "POST_api_..." says nothing a reader needs; an honest absence is better.
            operation.Summary = null;
            operation.Description = null;
        }

        // Wolverine describes an IResult-returning endpoint with a 200 of "IResult"; the attributes say what is really answered.
        foreach (var status in (operation.Responses ?? []).Where(r => r.Value.Content?.Values.Any(m => m.Schema is OpenApiSchemaReference { Reference.Id: "IResult" }) == true)
                     .Select(r => r.Key).ToList())
        {
            operation.Responses!.Remove(status);
        }

        // A FHIR answer is a Bundle object in FHIR's own schema (docs/fhir.md), never a string.
        foreach (var media in (operation.Responses ?? []).Values.SelectMany(r => r.Content ?? new Dictionary<string, OpenApiMediaType>())
                     .Where(c => c.Key == FhirContentType).Select(c => c.Value))
        {
            media.Schema = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "A FHIR R4 Bundle (type collection) as FHIR defines it (https://hl7.org/fhir/R4/bundle.html), not a schema of this API.",
                Required = new HashSet<string>(["resourceType"], StringComparer.Ordinal),
                Properties = new Dictionary<string, IOpenApiSchema> { ["resourceType"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("Bundle")] } },
                AdditionalProperties = new OpenApiSchema(),
            };
        }

        operation.Parameters ??= [];
        DescribeParameters(operation);
        var responses = operation.Responses ??= new OpenApiResponses();

        // Every /api request draws from a budget (Access/RateLimitPolicy): reads or writes per identity, requests
        // without a valid token per client address.
        if (isApi)
        {
            AddProblem(responses, StatusCodes.Status429TooManyRequests, DescriptionOf("429", null, isRead), context.Document!);
            if (responses[Status(StatusCodes.Status429TooManyRequests)] is OpenApiResponse limited)
            {
                limited.Headers ??= new Dictionary<string, IOpenApiHeader>();
                limited.Headers["Retry-After"] = Header(JsonSchemaType.Integer, "Seconds to wait before sending again.");
            }
        }

        if (!path.Contains('{', StringComparison.Ordinal))
        {
            responses.Remove(Status(StatusCodes.Status404NotFound));
        }

        // Every route of a record answers 410 once the record was erased (Erasure/ErasureConfiguration.UseErasedRecords).
        if (path.StartsWith("/api/patients/{patientId}", StringComparison.Ordinal))
        {
            AddProblem(responses, StatusCodes.Status410Gone, DescriptionOf("410", null, isRead), context.Document!);
        }

        if (operation.RequestBody is null)
        {
            responses.Remove(Status(StatusCodes.Status413PayloadTooLarge));
            responses.Remove(Status(StatusCodes.Status415UnsupportedMediaType));
        }
        else
        {
            // Every body passes the size limit and the JSON reader first, whatever the endpoint declares.
            AddProblem(responses, StatusCodes.Status400BadRequest, DescriptionOf("400", null, isRead), context.Document!);
            AddProblem(responses, StatusCodes.Status413PayloadTooLarge, DescriptionOf("413", null, isRead), context.Document!);
            AddProblem(responses, StatusCodes.Status415UnsupportedMediaType, DescriptionOf("415", null, isRead), context.Document!);
        }

        if (write?.TakesIfMatch == true)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = HeaderNames.IfMatch,
                In = ParameterLocation.Header,
                Required = false,
                Description = "The record version the client last saw, quoted (the ETag of a read or write, e.g. \"7\"). If the record has moved on, "
                    + "the write is refused with 412 and nothing is stored. Absent or * means any version.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = System.Text.Json.Nodes.JsonValue.Create("\"1\""),
            });
        }

        if (isApi && isRead)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = HeaderNames.IfNoneMatch,
                In = ParameterLocation.Header,
                Required = false,
                Description = "The ETag of an earlier answer: when the answer has not changed, 304 with no body.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            responses[Status(StatusCodes.Status304NotModified)] = new OpenApiResponse
            {
                Description = "Not modified: the answer is the one whose ETag was sent in If-None-Match.",
                Headers = new Dictionary<string, IOpenApiHeader>(),
            };
        }

        if (operation.Parameters.Count == 0 && operation.RequestBody is null)
        {
            responses.Remove(Status(StatusCodes.Status400BadRequest));
        }

        foreach (var (status, answer) in responses)
        {
            if (answer is not OpenApiResponse response)
            {
                continue;
            }

            response.Headers ??= new Dictionary<string, IOpenApiHeader>();
            response.Headers[CorrelationId.HeaderName] = Header(JsonSchemaType.String, "The request's correlation id (the caller's, when it sent a sane one).");
            var success = status.StartsWith('2');
            if ((success && (write is not null || isRead)) || status == Status(StatusCodes.Status304NotModified))
            {
                response.Headers[HeaderNames.ETag] = Header(JsonSchemaType.String, isRead
                    ? "Validator of this answer, for If-None-Match. On the profile it is the record version, for If-Match."
                    : "The record version after the write, quoted, for If-Match on the next write.");
            }

            if (write?.SetsLocation == true && status == Status(StatusCodes.Status201Created))
            {
                response.Headers[HeaderNames.Location] = Header(JsonSchemaType.String, "The URL of the new record.");
            }

            response.Description = DescriptionOf(status, response.Description, isRead);
        }

        return Task.CompletedTask;
    }

    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters!.OfType<OpenApiParameter>())
        {
            if (operation.OperationId is { } id && OpenApiTexts.Parameters.TryGetValue((id, parameter.Name!), out var text))
            {
                parameter.Description = text.Description;
                if (parameter.Schema is OpenApiSchema schema)
                {
                    schema.Minimum = text.Minimum?.ToString(CultureInfo.InvariantCulture);
                    schema.Maximum = text.Maximum?.ToString(CultureInfo.InvariantCulture);
                }
            }

            if (parameter.Schema is OpenApiSchema { Format: "date-time" } timestamp)
            {
                timestamp.Type = JsonSchemaType.String;
            }

            if (parameter.In == ParameterLocation.Path && parameter.Description is null)
            {
                parameter.Description = parameter.Name switch
                {
                    "patientId" => "The record (patient) id.",
                    "entryId" => "The entry's id, as chosen by the client that recorded it.",
                    "alertId" => "The alert's id.",
                    "clinicianId" => "The clinician's id (their token subject).",
                    "experimentId" => "The experiment's id, as chosen by the client that planned it.",
                    _ => null,
                };
            }
        }
    }

    private static void AddProblem(OpenApiResponses responses, int status, string description, OpenApiDocument document)
    {
        if (responses.ContainsKey(Status(status)))
        {
            return;
        }

        responses[Status(status)] = new OpenApiResponse
        {
            Description = description,
            Headers = new Dictionary<string, IOpenApiHeader>(),
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [Problems.ContentType] = new() { Schema = new OpenApiSchemaReference(OpenApiProblems.Schema, document) },
            },
        };
    }

    private static OpenApiHeader Header(JsonSchemaType type, string description) =>
        new() { Description = description, Schema = new OpenApiSchema { Type = type } };

    private static string Status(int status) => status.ToString(CultureInfo.InvariantCulture);

    private static string DescriptionOf(string status, string? current, bool isRead) => status switch
    {
        "200" => "OK",
        "201" => "Created",
        "400" => "Invalid input: the problem's \"errors\" name every offending field.",
        "401" => "No valid bearer token.",
        "403" => "The token's role or consent does not allow this.",
        "404" => "No such record (or entry, alert, consent, experiment): the problem's \"field\" says which.",
        "409" => "Conflict: an id already used for other content, an entry already retracted, or an experiment in a state that does not allow this.",
        "410" => "The record was erased (docs/erasure.md); its personal data is no longer held.",
        "412" => "If-Match named a version the record has moved past; the problem's \"currentVersion\" is the current one.",
        "413" => "The body is over the size limit.",
        "415" => "The body is not application/json.",
        "429" => isRead
            ? "Too many reads from this identity, or too many requests without a valid token from this address: wait Retry-After seconds."
            : "Too many writes from this identity, or too many requests without a valid token from this address: wait Retry-After seconds.",
        "304" => current ?? "Not modified.",
        _ => current ?? status,
    };
}
