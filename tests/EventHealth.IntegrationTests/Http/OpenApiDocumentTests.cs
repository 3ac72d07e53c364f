using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// The served /openapi/v1.json against the served API. Every check runs over all routes the host serves, so a route
/// added later is held to the same contract without touching this file.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiDocumentTests(AppFixture app)
{
    [Fact]
    public async Task Every_served_api_route_is_in_the_document()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject();
        var served = app.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m.ToLowerInvariant(), Path: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .ToList();

        served.ShouldNotBeEmpty();
        served.Where(r => paths[r.Path]?[r.Method] is null).ShouldBeEmpty("served but not described");
    }

    [Fact]
    public async Task Every_operation_says_what_it_does_and_everything_it_answers()
    {
        var document = await DocumentAsync();
        var failures = new List<string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            var responses = operation["responses"]!.AsObject();
            var parameters = (operation["parameters"]?.AsArray() ?? []).Select(p => p!).ToList();
            void Expect(bool condition, string what)
            {
                if (!condition)
                {
                    failures.Add($"{name}: {what}");
                }
            }

            Expect(!string.IsNullOrEmpty((string?)operation["operationId"]), "has an operationId");
            Expect(((string?)operation["summary"])?.Contains('_', StringComparison.Ordinal) == false, "has a summary");
            Expect(!string.IsNullOrEmpty((string?)operation["description"]), "has a description");
            Expect(responses.ContainsKey("401") && responses.ContainsKey("403"), "answers 401 and 403");
            foreach (var (status, response) in responses)
            {
                Expect(response!["headers"]?["X-Correlation-ID"] is not null, $"{status} carries X-Correlation-ID");
                if (status.StartsWith('2') && path.EndsWith("/fhir", StringComparison.Ordinal))
                {
                    // FHIR's own media type and schema (a Bundle), not this API's JSON.
                    Expect(Text(response["content"]?["application/fhir+json"]?["schema"]?["type"]) == "object", $"{status} is application/fhir+json, a Bundle object");
                }
                else if (status.StartsWith('2'))
                {
                    Expect(((string?)response["content"]?["application/json"]?["schema"]?["$ref"])?.StartsWith("#/components/schemas/", StringComparison.Ordinal) == true,
                        $"{status} names its schema");
                }
                else if (status != "304")
                {
                    Expect((string?)response["content"]?["application/problem+json"]?["schema"]?["$ref"] == "#/components/schemas/ProblemDetails",
                        $"{status} is a problem document");
                }
            }

            if (method == "get")
            {
                Expect(parameters.Any(p => (string?)p["name"] == "If-None-Match" && (string?)p["in"] == "header"), "takes If-None-Match");
                Expect(responses["304"]?["headers"]?["ETag"] is not null && responses["200"]?["headers"]?["ETag"] is not null, "answers 304 and ETag");
            }

            // Every /api request draws from a rate limit: reads or writes per identity, anonymous requests per address.
            Expect(responses["429"]?["headers"]?["Retry-After"] is not null, "answers 429 with Retry-After (the rate limits)");
            foreach (var (status, response) in responses)
            {
                foreach (var (mediaType, media) in response!["content"]?.AsObject() ?? [])
                {
                    var schema = media!["schema"];
                    var isObject = schema?["$ref"] is not null || Text(schema?["type"]) is "object" or "array";
                    Expect(!(mediaType.EndsWith("json", StringComparison.Ordinal) && !isObject), $"{status} {mediaType} declares a JSON object or array, not {schema?.ToJsonString()}");
                }
            }

            if (responses.ContainsKey("412"))
            {
                Expect(parameters.Any(p => (string?)p["name"] == "If-Match" && (string?)p["in"] == "header"), "takes If-Match");
                Expect(responses.Where(r => r.Key.StartsWith('2')).All(r => r.Value!["headers"]?["ETag"] is not null), "answers ETag on success");
            }

            if (operation["requestBody"] is { } body)
            {
                Expect(body["content"]?["application/json"]?["example"] is JsonObject, "has an example body");
                Expect(responses.ContainsKey("400") && responses.ContainsKey("413") && responses.ContainsKey("415"), "answers 400, 413 and 415");
            }
            else
            {
                Expect(!responses.ContainsKey("413") && !responses.ContainsKey("415"), "has no body, so no 413/415");
            }

            if (!path.Contains('{', StringComparison.Ordinal))
            {
                Expect(!responses.ContainsKey("404"), "has no path parameter, so no 404");
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Answers_are_exactly_those_served_where_a_route_differs_from_the_common_write()
    {
        var paths = (await DocumentAsync())["paths"]!;
        string[] Statuses(string path, string method) => paths[path]![method]!["responses"]!.AsObject().Select(r => r.Key).Order().ToArray();

        Statuses("/api/patients", "post").ShouldBe(["200", "201", "400", "401", "403", "409", "413", "415", "429"]);
        paths["/api/patients"]!["post"]!["responses"]!["201"]!["headers"]!["Location"].ShouldNotBeNull();
        Statuses("/api/patients/{patientId}/consents/{clinicianId}", "delete").ShouldBe(["200", "400", "401", "403", "404", "410", "412", "429"]);
        Statuses("/api/patients/{patientId}/entries/{entryId}/retraction", "post").ShouldBe(["201", "400", "401", "403", "404", "409", "410", "412", "413", "415", "429"]);
        Statuses("/api/patients/{patientId}/episodes", "post").ShouldBe(["200", "201", "400", "401", "403", "404", "409", "410", "412", "413", "415", "429"]);
        Statuses("/api/patients/{patientId}/erasure", "post").ShouldBe(["200", "400", "401", "403", "404", "410", "412", "413", "415", "429"]);
        Statuses("/api/admin/detection/run", "post").ShouldBe(["200", "401", "403", "429"]);
    }

    [Fact]
    public async Task Schemas_use_the_shapes_generators_understand()
    {
        var document = await DocumentAsync();
        ((string?)document["openapi"]).ShouldStartWith("3.0.");
        var failures = new List<string>();
        foreach (var (where, schema) in Schemas(document))
        {
            if (Text(schema["format"]) == "date-time" && Text(schema["type"]) != "string")
            {
                failures.Add($"{where}: a date-time that is not a string");
            }

            if (schema["enum"] is JsonArray values && (values.Any(v => v is null) || Text(schema["type"]) != "string"))
            {
                failures.Add($"{where}: an enum with null or not of strings");
            }

            foreach (var union in new[] { "oneOf", "anyOf" })
            {
                if (schema[union] is JsonArray members && members.Any(m => m?["nullable"] is not null || Text(m?["type"]) == "null" || m?["enum"]?.AsArray().Any(v => v is null) == true))
                {
                    failures.Add($"{where}: a {union} wrapper for null");
                }
            }

            if (schema["type"] is JsonArray)
            {
                failures.Add($"{where}: a type list");
            }

            // An array without typed items is any[] to a generator and shows no allowed values on the docs page.
            if (Text(schema["type"]) == "array" && (schema["items"] is not JsonObject items
                || !(items.ContainsKey("$ref") || items.ContainsKey("type") || items.ContainsKey("allOf") || items.ContainsKey("oneOf") || items.ContainsKey("enum"))))
            {
                failures.Add($"{where}: an array without typed items");
            }
        }

        failures.ShouldBeEmpty();

        var schemas = document["components"]!["schemas"]!;
        var batchEntry = schemas["BatchEntry"]!;
        ((string?)batchEntry["discriminator"]!["propertyName"]).ShouldBe("type");
        var mapping = batchEntry["discriminator"]!["mapping"]!.AsObject();
        mapping.Select(m => m.Key).ShouldBe(EntryKinds.All, ignoreOrder: true);
        foreach (var (_, target) in mapping)
        {
            var derived = schemas[((string)target!).Split('/')[^1]]!;
            ((string?)derived["allOf"]![0]!["$ref"]).ShouldBe("#/components/schemas/BatchEntry");
        }

        ((string?)schemas["RecordEntriesBatch"]!["properties"]!["entries"]!["items"]!["$ref"]).ShouldBe("#/components/schemas/BatchEntry");
        schemas["TriggerKind"]!["enum"]!.AsArray().Select(v => (string?)v).ShouldContain("poor-sleep");
        ((string?)schemas["RecordEpisode"]!["properties"]!["bodyRegions"]!["items"]!["$ref"]).ShouldBe("#/components/schemas/BodyRegion");
        schemas["BodyRegion"]!["enum"]!.AsArray().Count.ShouldBe(Enum.GetValues<BodyRegion>().Length);
        ((string?)schemas["AlertView"]!["properties"]!["acknowledgement"]!["allOf"]![0]!["$ref"]).ShouldBe("#/components/schemas/AcknowledgementView");
        ((bool?)schemas["AlertView"]!["properties"]!["acknowledgement"]!["nullable"]).ShouldBe(true);
        ((string?)schemas["AlertView"]!["properties"]!["severity"]!["$ref"]).ShouldBe("#/components/schemas/AlertSeverity");
        schemas["AlertSeverity"]!["enum"]!.AsArray().Select(v => (string?)v).ShouldBe(["urgent", "advisory"]);
    }

    [Theory]
    [InlineData("EnrollPatient", "displayName,email,timeZone", "patientId,clinicianEmail,alertEmails")]
    [InlineData("ChangeContactDetails", "", "email,clinicianEmail,timeZone,alertEmails")]
    [InlineData("RecordEpisode", "entryId,occurredAt,bodyRegions,side,intensity,durationSeconds,visible,painful", "")]
    [InlineData("ReportTrigger", "entryId,occurredAt,kind", "level,details")]
    [InlineData("ReportSymptom", "entryId,occurredAt,kind,severity", "bodyRegion")]
    [InlineData("LogIntake", "entryId,occurredAt", "waterMl,caffeineMg")]
    [InlineData("ApplyIntervention", "entryId,occurredAt,kind", "doseMg,details")]
    [InlineData("RetractEntry", "reason", "requestReference")]
    [InlineData("AcknowledgeAlert", "", "note")]
    [InlineData("GrantConsent", "clinicianId", "scope")]
    public async Task Request_fields_are_required_and_optional_as_api_md_says(string schemaName, string required, string optional)
    {
        var schema = (await DocumentAsync())["components"]!["schemas"]![schemaName]!;
        var listed = schema["required"]?.AsArray().Select(v => (string)v!).ToList() ?? [];
        listed.ShouldBe(required.Split(',', StringSplitOptions.RemoveEmptyEntries), ignoreOrder: true);
        var properties = schema["properties"]!.AsObject();
        properties.Select(p => p.Key).ShouldBe([.. listed, .. optional.Split(',', StringSplitOptions.RemoveEmptyEntries)], ignoreOrder: true);
        foreach (var name in listed)
        {
            properties[name]!["nullable"].ShouldBeNull($"{schemaName}.{name} is required, so null is refused");
        }

        foreach (var name in optional.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            ((bool?)properties[name]!["nullable"]).ShouldBe(true, $"{schemaName}.{name} may be absent or null");
        }
    }

    [Fact]
    public async Task The_bearer_scheme_is_declared_for_generated_clients_and_the_docs_page()
    {
        var document = await DocumentAsync();
        var scheme = document["components"]!["securitySchemes"]!["bearer"]!;
        ((string?)scheme["scheme"]).ShouldBe("bearer");
        ((string?)scheme["bearerFormat"]).ShouldBe("JWT");
        document["security"]!.AsArray().Count.ShouldBe(1);
        using var http = app.Host.Server.CreateClient();
        using var redirect = await http.GetAsync(new Uri("/docs", UriKind.Relative));
        using var docs = redirect.Headers.Location is { } location ? await http.GetAsync(location) : redirect;
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
        var page = await docs.Content.ReadAsStringAsync();
        page.ShouldContain("openapi/v1.json");
        page.ShouldContain("bearer", Case.Sensitive, "the docs page offers the bearer scheme for a pasted token");
    }

    [Fact]
    public async Task The_problem_schema_lists_its_extensions()
    {
        var properties = (await DocumentAsync())["components"]!["schemas"]!["ProblemDetails"]!["properties"]!;
        ((string?)properties["errors"]!["additionalProperties"]!["items"]!["type"]).ShouldBe("string");
        ((string?)properties["field"]!["type"]).ShouldBe("string");
        ((string?)properties["correlationId"]!["type"]).ShouldBe("string");
        ((string?)properties["currentVersion"]!["type"]).ShouldBe("integer");
    }

    [Fact]
    public async Task Every_example_body_is_accepted_by_the_server()
    {
        var document = await DocumentAsync();
        var writes = Operations(document).Where(o => o.Operation["requestBody"] is not null).ToList();
        var enrollment = writes.Single(w => w.Path == "/api/patients");
        var enrolled = await SendAsync(HttpMethod.Post, "/api/patients", Example(enrollment.Operation));
        enrolled.Status.ShouldBe(HttpStatusCode.Created);
        var patientId = enrolled.Body.GetProperty("patientId").GetString()!;
        var episodeEntry = (string)Example(writes.Single(w => w.Path.EndsWith("/episodes", StringComparison.Ordinal)).Operation)["entryId"]!;

        // Notes are a clinician's: one with a read-write consent sends the notes example.
        await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", new JsonObject { ["clinicianId"] = ContractClinician, ["scope"] = "read-write" });

        // The experiment's own routes after its plan: they name the experiment the plan example plans.
        var plannedExperiment = (string)Example(writes.Single(w => w.Path.EndsWith("/experiments", StringComparison.Ordinal)).Operation)["experimentId"]!;

        // Retraction last but one: it retracts the episode the episode example records. Erasure last: it closes the record.
        foreach (var (path, method, operation) in writes.Where(w => w != enrollment)
                     .OrderBy(w => w.Path.EndsWith("/erasure", StringComparison.Ordinal)).ThenBy(w => w.Path.Contains("retraction", StringComparison.Ordinal))
                     .ThenBy(w => w.Path.Contains("{experimentId}", StringComparison.Ordinal)))
        {
            var url = path.Replace("{patientId}", patientId, StringComparison.Ordinal)
                .Replace("{entryId}", episodeEntry, StringComparison.Ordinal)
                .Replace("{experimentId}", plannedExperiment, StringComparison.Ordinal)
                .Replace("{alertId}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
            var (status, body) = await SendAsync(new HttpMethod(method.ToUpperInvariant()), url, Example(operation), CallerFor(path));
            var accepted = (int)status is >= 200 and < 300
                || (path.Contains("{alertId}", StringComparison.Ordinal) && status == HttpStatusCode.NotFound && body.GetProperty("field").GetString() == "alertId");
            accepted.ShouldBeTrue($"{method} {path} refused its own example: {(int)status} {body}");
        }
    }

    [Fact]
    public async Task Every_declared_range_is_what_the_server_enforces()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!;
        var patientId = await app.Host.EnrollAsync();
        await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", new JsonObject { ["clinicianId"] = ContractClinician, ["scope"] = "read-write" });
        var checkedRanges = 0;
        foreach (var (path, method, operation) in Operations(document).Where(o => o.Operation["requestBody"] is not null))
        {
            var schemaName = ((string)operation["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!).Split('/')[^1];
            foreach (var (property, schema) in schemas[schemaName]!["properties"]!.AsObject())
            {
                var outside = new List<JsonNode>();
                if (schema!["maximum"] is { } maximum)
                {
                    outside.Add((decimal)maximum + 1);
                }

                if (schema["minimum"] is { } minimum)
                {
                    outside.Add((decimal)minimum - 1);
                }

                if (schema["maxLength"] is { } maxLength)
                {
                    outside.Add(new string('x', (int)maxLength + 1));
                }

                foreach (var value in outside)
                {
                    var body = Example(operation);
                    body[property] = value.DeepClone();
                    var url = WithUnknownIds(path, patientId);
                    var (status, answer) = await SendAsync(new HttpMethod(method.ToUpperInvariant()), url, body, CallerFor(path));
                    status.ShouldBe(HttpStatusCode.BadRequest, $"{method} {path} with {property} = {value.ToJsonString()}");
                    answer.GetProperty("errors").TryGetProperty(property, out _).ShouldBeTrue($"{method} {path} names {property}");
                    checkedRanges++;
                }
            }
        }

        checkedRanges.ShouldBeGreaterThan(20);
    }

    [Fact]
    public async Task Every_wrong_typed_field_of_every_body_is_named_in_one_400_with_what_it_expected()
    {
        var document = await DocumentAsync();
        var patientId = await app.Host.EnrollAsync();
        await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", new JsonObject { ["clinicianId"] = ContractClinician, ["scope"] = "read-write" });
        var checkedBodies = 0;
        foreach (var (path, method, operation) in Operations(document).Where(o => o.Operation["requestBody"] is not null))
        {
            var example = Example(operation);
            if (example.Count == 0)
            {
                continue;
            }

            // Every field gets a value of another JSON type: a string where a number, boolean, array or object goes, and a
            // number where a string goes.
            var wrong = new JsonObject();
            foreach (var (name, value) in example)
            {
                wrong[name] = value?.GetValueKind() == JsonValueKind.String ? JsonValue.Create(12345) : JsonValue.Create("x");
            }

            var url = WithUnknownIds(path, patientId);
            var (status, answer) = await SendAsync(new HttpMethod(method.ToUpperInvariant()), url, wrong, CallerFor(path));
            status.ShouldBe(HttpStatusCode.BadRequest, $"{method} {path} with {wrong.ToJsonString()}");
            var errors = answer.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value[0].GetString()!);
            errors.Keys.ShouldBe(example.Select(p => p.Key), ignoreOrder: true, $"{method} {path} names every offending field: {answer}");
            errors.Values.ShouldAllBe(message => message.StartsWith("must be ", StringComparison.Ordinal), $"{method} {path} says what each field takes: {answer}");
            checkedBodies++;
        }

        checkedBodies.ShouldBeGreaterThan(10);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2, "nothing was stored but the consent");
    }

    [Fact]
    public async Task Every_read_answers_304_to_its_own_ETag()
    {
        var document = await DocumentAsync();
        var patientId = await app.Host.EnrollAsync();
        await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode());
        // Until the daily projection has caught up, daily rows and insights do change between two reads.
        await app.WaitForProjectionsAsync();
        using var http = app.Host.Server.CreateClient();
        // Left out because every answer is a new one: the access audit (reading it is itself audited) and the export
        // (stamped with its own exportedAt).
        var reads = Operations(document).Where(o => o.Method == "get" && o.Path.StartsWith("/api/patients/", StringComparison.Ordinal)
            && !o.Path.EndsWith("/export", StringComparison.Ordinal)
            && !o.Path.Replace("{patientId}", "", StringComparison.Ordinal).Contains('{', StringComparison.Ordinal)).ToList();
        reads.Count.ShouldBeGreaterThan(5);
        foreach (var (path, _, _) in reads)
        {
            var url = path.Replace("{patientId}", patientId.ToString(), StringComparison.Ordinal);
            using var first = await http.GetAsync(new Uri(url, UriKind.Relative));
            first.StatusCode.ShouldBe(HttpStatusCode.OK, url);
            var etag = first.Headers.ETag.ShouldNotBeNull(url);

            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            using var again = await http.SendAsync(request);
            again.StatusCode.ShouldBe(HttpStatusCode.NotModified, url);
            (await again.Content.ReadAsByteArrayAsync()).ShouldBeEmpty();
            again.Headers.ETag.ShouldBe(etag);

            using var other = new HttpRequestMessage(HttpMethod.Get, url);
            other.Headers.TryAddWithoutValidation("If-None-Match", "\"not-this-one\"");
            (await http.SendAsync(other)).StatusCode.ShouldBe(HttpStatusCode.OK, url);
        }

        using var profile = await http.GetAsync(new Uri($"/api/patients/{patientId}", UriKind.Relative));
        profile.Headers.ETag!.Tag.ShouldBe("\"2\"", "the profile's ETag stays the record version, usable in If-Match");
    }

    /// <summary>The operation's URL for this patient, every other id one the record does not hold (input is judged first).</summary>
    private static string WithUnknownIds(string path, Guid patientId) => path.Replace("{patientId}", patientId.ToString(), StringComparison.Ordinal)
        .Replace("{entryId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{experimentId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{alertId}", Guid.NewGuid().ToString(), StringComparison.Ordinal);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private async Task<JsonNode> DocumentAsync() => JsonNode.Parse(await ContractDocument.ServedAsync(app))!;

    private static JsonObject Example(JsonNode operation) =>
        operation["requestBody"]!["content"]!["application/json"]!["example"]!.DeepClone().AsObject();

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, JsonNode body, params (string, string)[] headers)
    {
        var (status, json, _) = await app.Host.SendRawAsync(method, url, body.ToJsonString(), headers);
        return (status, json);
    }

    private const string ContractClinician = "dr-contract";

    /// <summary>The rightful caller of a route: the record's patient (the test host's default), a read-write clinician for notes.</summary>
    private static (string, string)[] CallerFor(string path) => path.EndsWith("/notes", StringComparison.Ordinal)
        ? [("Authorization", $"Bearer {TestTokens.For(EventHealth.Access.Roles.Clinician, ContractClinician)}")]
        : [];

    private static IEnumerable<(string Path, string Method, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().Select(op => (path.Key, op.Key, op.Value!)));

    /// <summary>Every schema object of the document with where it is, nested ones included.</summary>
    private static IEnumerable<(string Where, JsonObject Schema)> Schemas(JsonNode document)
    {
        var pending = new Stack<(string, JsonNode?)>([("", document)]);
        while (pending.TryPop(out var item))
        {
            var (where, node) = item;
            if (node is JsonObject obj)
            {
                if (obj["type"] is JsonValue or JsonArray || obj["enum"] is JsonArray || obj["oneOf"] is JsonArray || obj["anyOf"] is JsonArray || obj["format"] is JsonValue)
                {
                    yield return (where, obj);
                }

                foreach (var (key, child) in obj)
                {
                    if (key is not "example" and not "examples")
                    {
                        pending.Push(($"{where}/{key}", child));
                    }
                }
            }
            else if (node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    pending.Push(($"{where}/{i}", array[i]));
                }
            }
        }
    }
}
