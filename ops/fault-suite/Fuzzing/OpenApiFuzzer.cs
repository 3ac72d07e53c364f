using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EventHealth.Faults.Fuzzing;

/// <summary>One bad request derived from the OpenAPI document, and what it is meant to break.</summary>
public sealed record FuzzCase(string Operation, string Mutation, HttpMethod Method, string Path, byte[]? Body, string? ContentType, Guid? Target, (string Name, string Value)[] Headers);

/// <summary>What the API answered to every case.</summary>
/// <param name="Accepted">Bad requests answered 2xx, leaving out <paramref name="AcceptedOmissions"/>: a field the
/// document lists as required but the API treats as optional (absent or null meaning "unchanged" or "the default").</param>
public sealed record FuzzReport(int Cases, int ServerErrors, int Refused, int Accepted, int AcceptedOmissions, int EventsStoredByRefused, IReadOnlyList<string> Findings)
{
    public IReadOnlyDictionary<int, int> ByStatus { get; init; } = new Dictionary<int, int>();
}

/// <summary>
/// Derives bad requests from /openapi/v1.json: for every operation, a valid request built from its schemas is broken
/// one way at a time (a field missing, null, of the wrong type, out of its vocabulary, unstorable text, a timestamp
/// without offset, duplicated, the body not an object, not JSON, not labelled JSON, ...), then two ways at once until
/// the requested count is reached. Every case must be refused with a 4xx that stores nothing: no 5xx, no event.
/// Used by ops/faults (thousands of cases against a real process) and by an integration test (a few hundred).
/// </summary>
public sealed class OpenApiFuzzer(JsonElement document, Guid patientId, int seed = 11)
{
    private readonly JsonElement schemas = document.GetProperty("components").GetProperty("schemas");
    private readonly Random random = new(seed);
    private static readonly string[] BadIds = ["not-a-uuid", "00000000-0000-0000-0000-000000000000", new string('9', 300), "%00", "..%2F..%2Fetc"];
    private static readonly string[] IdParameters = ["{patientId}", "{entryId}", "{alertId}"];
    // Values no query parameter of this API accepts (numbers, dates, timestamps, cursors, booleans). A query timestamp
    // without an offset is UTC (docs/openapi.md); one whose + was not percent-encoded arrives with a space instead.
    private static readonly string[] BadQueryValues = ["abc", "1.5", "2026-01-05T10:00:00+02:00", "yesterday", "%00", "%F0%28%8C%28", "1e999"];

    public IReadOnlyList<FuzzCase> Derive(int count)
    {
        var single = new List<FuzzCase>();
        var bases = new List<(string Operation, HttpMethod Method, string Path, JsonObject? Body, JsonElement? Schema, List<string> Query)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            if (!path.Name.StartsWith("/api/", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var name = operation.Value.TryGetProperty("operationId", out var id) ? id.GetString()! : $"{operation.Name} {path.Name}";
                var query = operation.Value.TryGetProperty("parameters", out var parameters)
                    ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList()
                    : [];
                JsonElement? schema = operation.Value.TryGetProperty("requestBody", out var requestBody)
                    && requestBody.GetProperty("content").TryGetProperty("application/json", out var json)
                    ? Resolve(json.GetProperty("schema"))
                    : null;
                var body = schema is { } s ? Sample(s, 0) as JsonObject : null;
                bases.Add((name, method, path.Name, body, schema, query));
            }
        }

        var baseBodies = new Dictionary<string, byte[]>();
        foreach (var (operation, method, path, body, schema, query) in bases)
        {
            if (body is not null)
            {
                baseBodies[operation] = Bytes(body);
            }

            var concrete = Concrete(path);
            foreach (var (mutation, badPath) in PathMutations(path))
            {
                single.Add(Case(operation, mutation, method, badPath, body is null ? null : Bytes(body), body is null ? null : "application/json"));
            }

            foreach (var name in query)
            {
                foreach (var value in BadQueryValues)
                {
                    single.Add(Case(operation, $"query {name}={value}", method, $"{concrete}?{name}={value}", null, null));
                }
            }

            if (body is null || schema is not { } bodySchema)
            {
                continue;
            }

            var requiresFields = bodySchema.TryGetProperty("required", out var required) && required.GetArrayLength() > 0;
            foreach (var (mutation, bytes, contentType) in WholeBodyMutations(body, requiresFields))
            {
                single.Add(Case(operation, mutation, method, concrete, bytes, contentType));
            }

            foreach (var (mutation, broken) in FieldMutations(body, bodySchema, ""))
            {
                single.Add(Case(operation, mutation, method, concrete, Bytes(broken), "application/json"));
            }

            single.Add(Case(operation, "If-Match not a version", method, concrete, Bytes(body), "application/json", ("If-Match", "\"seven\"")));
        }

        var cases = new List<FuzzCase>(single.Where(c => c.Method != HttpMethod.Get || c.Path.Contains('?', StringComparison.Ordinal) || c.Mutation.StartsWith("path", StringComparison.Ordinal)));
        // Two faults at once, drawn from the single-fault body cases of the same operation, until the count is reached.
        var bodyCases = single.Where(c => c.Body is not null && c.ContentType == "application/json" && c.Mutation.StartsWith("field", StringComparison.Ordinal)).ToList();
        while (cases.Count < count && bodyCases.Count > 0)
        {
            var first = bodyCases[random.Next(bodyCases.Count)];
            var sameOperation = bodyCases.Where(c => c.Operation == first.Operation && c != first).ToList();
            if (sameOperation.Count == 0)
            {
                continue;
            }

            var second = sameOperation[random.Next(sameOperation.Count)];
            var merged = Merge(baseBodies[first.Operation], first.Body!, second.Body!);
            cases.Add(first with { Mutation = $"{first.Mutation} + {second.Mutation}", Body = merged, Target = first.Target });
        }

        return cases.Count > count ? Shuffle(cases).Take(count).ToList() : cases;
    }

    /// <summary>Runs every case; <paramref name="streamVersion"/> reads the target record's version (0 when it does not exist).</summary>
    public static async Task<FuzzReport> RunAsync(IReadOnlyList<FuzzCase> cases, HttpClient client, Func<HttpRequestMessage, FuzzCase, Task> authorize,
        Func<Guid, Task<long>> streamVersion, int parallelism = 1)
    {
        int serverErrors = 0, refused = 0, accepted = 0, omissions = 0, stored = 0;
        var findings = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (fuzz, cancellation) =>
        {
            // One at a time by default, so that a version change on the target is this case's doing.
            var before = fuzz.Target is { } target ? await streamVersion(target) : 0;
            using var request = new HttpRequestMessage(fuzz.Method, fuzz.Path);
            if (fuzz.Body is not null)
            {
                request.Content = new ByteArrayContent(fuzz.Body);
                if (fuzz.ContentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
                }
            }

            foreach (var (name, value) in fuzz.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            await authorize(request, fuzz);
            HttpStatusCode status;
            try
            {
                using var response = await client.SendAsync(request, cancellation);
                status = response.StatusCode;
                await response.Content.ReadAsByteArrayAsync(cancellation);
            }
            catch (HttpRequestException)
            {
                status = 0;
            }
            catch (InvalidOperationException) when (fuzz.Path.Contains("%00", StringComparison.Ordinal))
            {
                // The in-memory test server refuses to build such a request at all; a real server answers 400.
                return;
            }

            statuses.AddOrUpdate((int)status, 1, (_, n) => n + 1);
            if ((int)status >= 500 || status == 0)
            {
                Interlocked.Increment(ref serverErrors);
                findings.Enqueue($"{(int)status} {fuzz.Method} {fuzz.Operation}: {fuzz.Mutation}");
            }
            else if ((int)status < 400 && IsOmission(fuzz.Mutation))
            {
                Interlocked.Increment(ref omissions);
                findings.Enqueue($"omission accepted {(int)status} {fuzz.Method} {fuzz.Operation}: {fuzz.Mutation}");
            }
            else if ((int)status < 400)
            {
                Interlocked.Increment(ref accepted);
                findings.Enqueue($"accepted {(int)status} {fuzz.Method} {fuzz.Operation}: {fuzz.Mutation}");
            }
            else
            {
                Interlocked.Increment(ref refused);
                if (fuzz.Target is { } refusedTarget && await streamVersion(refusedTarget) != before)
                {
                    Interlocked.Increment(ref stored);
                    findings.Enqueue($"stored by a refused request {(int)status} {fuzz.Operation}: {fuzz.Mutation}");
                }
            }
        });

        return new FuzzReport(cases.Count, serverErrors, refused, accepted, omissions, stored, findings.ToList()) { ByStatus = new Dictionary<int, int>(statuses) };
    }

    private static bool IsOmission(string mutation) =>
        mutation.Split(" + ").All(part => part.EndsWith(" missing", StringComparison.Ordinal) || part.EndsWith(" null", StringComparison.Ordinal));

    private FuzzCase Case(string operation, string mutation, HttpMethod method, string path, byte[]? body, string? contentType, params (string, string)[] headers) =>
        new(operation, mutation, method, path, body, contentType,
            path.Contains(patientId.ToString(), StringComparison.Ordinal) || path == "/api/patients" ? patientId : null, headers);

    private string Concrete(string path) => path
        .Replace("{patientId}", patientId.ToString(), StringComparison.Ordinal)
        .Replace("{entryId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{alertId}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{clinicianId}", "clinician-none", StringComparison.Ordinal);

    private IEnumerable<(string, string)> PathMutations(string path)
    {
        if (!path.Contains('{', StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (var bad in BadIds)
        {
            foreach (var parameter in IdParameters.Where(p => path.Contains(p, StringComparison.Ordinal)))
            {
                yield return ($"path {parameter}={bad}", Concrete(path.Replace(parameter, bad, StringComparison.Ordinal)));
            }
        }
    }

    private static IEnumerable<(string, byte[]?, string?)> WholeBodyMutations(JsonObject body, bool requiresFields)
    {
        var text = body.ToJsonString();
        yield return ("body null", Encoding.UTF8.GetBytes("null"), "application/json");
        yield return ("body array", Encoding.UTF8.GetBytes("[]"), "application/json");
        yield return ("body string", Encoding.UTF8.GetBytes("\"text\""), "application/json");
        yield return ("body number", Encoding.UTF8.GetBytes("42"), "application/json");
        if (requiresFields)
        {
            // Only bad where the schema requires something: a body of optional fields may well be empty.
            yield return ("body empty object", Encoding.UTF8.GetBytes("{}"), "application/json");
        }

        yield return ("body truncated", Encoding.UTF8.GetBytes(text[..(text.Length / 2)]), "application/json");
        yield return ("body empty", [], "application/json");
        yield return ("body invalid UTF-8", [.. Encoding.UTF8.GetBytes(text[..^1]), .. "\"x\":\""u8.ToArray(), 0xC3, 0x28, .. "\"}"u8.ToArray()], "application/json");
        yield return ("body nested 200 deep", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)), "application/json");
        yield return ("body without Content-Type", Encoding.UTF8.GetBytes(text), null);
        yield return ("body as text/plain", Encoding.UTF8.GetBytes(text), "text/plain");
        yield return ("body as form", Encoding.UTF8.GetBytes(text), "application/x-www-form-urlencoded");
        yield return ("body in UTF-16", Encoding.Unicode.GetBytes(text), "application/json; charset=utf-16");
        if (body.FirstOrDefault() is { Key: var first, Value: var value })
        {
            yield return ($"body duplicate {first}", Encoding.UTF8.GetBytes($"{{\"{first}\": {value?.ToJsonString() ?? "null"}, {text[1..]}"), "application/json");
        }
    }

    private IEnumerable<(string, JsonObject)> FieldMutations(JsonObject body, JsonElement schema, string prefix)
    {
        var required = schema.TryGetProperty("required", out var names) ? names.EnumerateArray().Select(n => n.GetString()!).ToHashSet() : [];
        if (!schema.TryGetProperty("properties", out var properties))
        {
            yield break;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var name = property.Name;
            var field = Resolve(property.Value);
            var label = $"field {prefix}{name}";
            if (required.Contains(name))
            {
                yield return ($"{label} missing", Without(body, name));
                yield return ($"{label} null", With(body, name, null));
            }

            foreach (var (what, bad) in BadValues(name, field))
            {
                yield return ($"{label} {what}", With(body, name, bad));
            }

            // One level into arrays of objects (batch entries): break the first item's fields.
            if (TypeOf(field) == "array" && field.TryGetProperty("items", out var items) && body[name] is JsonArray { Count: > 0 } array
                && array[0] is JsonObject item && Resolve(items) is var itemSchema)
            {
                foreach (var (what, brokenItem) in FieldMutations(item, ItemSchema(itemSchema, item), $"{name}[0]."))
                {
                    var copy = body.DeepClone().AsObject();
                    copy[name]![0] = brokenItem;
                    yield return (what, copy);
                }
            }
        }
    }

    private static IEnumerable<(string, JsonNode?)> BadValues(string name, JsonElement field)
    {
        var type = TypeOf(field);
        if (field.TryGetProperty("enum", out var values))
        {
            var first = values.EnumerateArray().First().GetString()!;
            yield return ("upper case", first.ToUpperInvariant());
            yield return ("padded", " " + first);
            if (Camel(first) != first)
            {
                yield return ("camelCase", Camel(first));
            }

            yield return ("unknown", "no-such-value");
            yield return ("number", 1);
            yield break;
        }

        switch (type)
        {
            case "string":
                var format = field.TryGetProperty("format", out var f) ? f.GetString() : null;
                yield return ("NUL", "a\u0000b");
                yield return ("lone surrogate", "x" + LoneSurrogate);
                yield return ("number", 12);
                yield return ("object", new JsonObject());
                yield return ("array", new JsonArray());
                if (format == "date-time")
                {
                    yield return ("without offset", "2026-01-05T10:00:00");
                    yield return ("not a date", "yesterday");
                    yield return ("year 0", "0000-01-01T00:00:00Z");
                    yield return ("far future", "9999-12-31T23:59:59Z");
                }
                else if (format == "uuid")
                {
                    yield return ("not a uuid", "not-a-uuid");
                    yield return ("empty uuid", Guid.Empty.ToString());
                }
                else if (format == "date")
                {
                    yield return ("not a date", "31/12/2025");
                    yield return ("far future", "9999-12-31");
                }
                else if (format == "email" || name.Contains("mail", StringComparison.OrdinalIgnoreCase))
                {
                    yield return ("trailing dot", "a@b.");
                    yield return ("no domain", "a@");
                }
                else if (name.Contains("zone", StringComparison.OrdinalIgnoreCase))
                {
                    yield return ("unknown zone", "Mars/Olympus");
                }
                else if (!name.Contains("id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Id", StringComparison.Ordinal))
                {
                    yield return ("100k characters", new string('x', 100_000));
                }

                break;
            case "integer" or "number":
                yield return ("as string", "1");
                yield return ("boolean", true);
                yield return ("huge", JsonNode.Parse("1e400"));
                yield return ("beyond int64", JsonNode.Parse("99999999999999999999"));
                yield return ("negative huge", -2147483649L);
                if (type == "integer")
                {
                    yield return ("fraction", 1.5);
                }

                break;
            case "boolean":
                yield return ("as string", "true");
                yield return ("number", 1);
                break;
            case "array":
                yield return ("object", new JsonObject());
                yield return ("array of null", new JsonArray((JsonNode?)null));
                yield return ("string", "x");
                break;
            case "object":
                yield return ("string", "x");
                yield return ("array", new JsonArray());
                break;
        }
    }

    /// <summary>A valid value for a schema: the first vocabulary value, small numbers, now-ish timestamps, fresh ids.</summary>
    private JsonNode? Sample(JsonElement schema, int depth)
    {
        schema = Resolve(schema);
        if (depth > 4)
        {
            return null;
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            return values.EnumerateArray().First().GetString();
        }

        if (schema.TryGetProperty("oneOf", out var oneOf) || schema.TryGetProperty("anyOf", out oneOf))
        {
            var choice = oneOf.EnumerateArray().Select(Resolve).FirstOrDefault(s => TypeOf(s) != "null");
            return choice.ValueKind == JsonValueKind.Undefined ? null : Sample(choice, depth + 1);
        }

        switch (TypeOf(schema))
        {
            case "object":
                var result = new JsonObject();
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in properties.EnumerateObject())
                    {
                        result[property.Name] = SampleNamed(property.Name, Resolve(property.Value), depth);
                    }
                }

                return result;
            case "array":
                return schema.TryGetProperty("items", out var items) ? new JsonArray(SampleItem(Resolve(items), depth)) : new JsonArray();
            case "integer":
                return 1;
            case "number":
                return 1.5;
            case "boolean":
                return true;
            case "string":
                return (schema.TryGetProperty("format", out var format) ? format.GetString() : null) switch
                {
                    "uuid" => Guid.NewGuid().ToString(),
                    "date-time" => DateTimeOffset.UtcNow.AddHours(-2).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    "date" => DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1)).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    _ => "fuzz",
                };
            default:
                return null;
        }
    }

    private JsonNode? SampleNamed(string name, JsonElement schema, int depth) => name switch
    {
        "patientId" => patientId.ToString(),
        _ when name.EndsWith("mail", StringComparison.OrdinalIgnoreCase) => "fuzz@example.org",
        _ when name.Contains("zone", StringComparison.OrdinalIgnoreCase) => "Europe/Paris",
        "scope" => "read-and-acknowledge",
        _ => Sample(schema, depth + 1),
    };

    /// <summary>Batch entries are polymorphic: a concrete entry type with its discriminator, so the item is valid.</summary>
    private JsonNode? SampleItem(JsonElement items, int depth)
    {
        if (items.TryGetProperty("discriminator", out var discriminator) && discriminator.TryGetProperty("mapping", out var mapping)
            && mapping.EnumerateObject().FirstOrDefault() is { Name: { } kind } first && first.Value.ValueKind == JsonValueKind.String)
        {
            var item = Sample(Ref(first.Value.GetString()!), depth + 1) as JsonObject ?? new JsonObject();
            item[discriminator.GetProperty("propertyName").GetString()!] = kind;
            return item;
        }

        return Sample(items, depth + 1);
    }

    private JsonElement ItemSchema(JsonElement items, JsonObject item)
    {
        if (items.TryGetProperty("discriminator", out var discriminator) && discriminator.TryGetProperty("mapping", out var mapping)
            && item[discriminator.GetProperty("propertyName").GetString()!]?.GetValue<string>() is { } kind
            && mapping.TryGetProperty(kind, out var reference))
        {
            return Ref(reference.GetString()!);
        }

        return items;
    }

    private JsonElement Resolve(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference) ? Resolve(Ref(reference.GetString()!)) : schema;

    private JsonElement Ref(string reference) => schemas.GetProperty(reference.Split('/')[^1]);

    private static string? TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : null;
        }

        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t != "null")
            : type.GetString();
    }

    private static JsonObject With(JsonObject body, string name, JsonNode? value)
    {
        var copy = body.DeepClone().AsObject();
        copy[name] = value?.DeepClone();
        return copy;
    }

    private static JsonObject Without(JsonObject body, string name)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove(name);
        return copy;
    }

    /// <summary>A writer replaces a lone surrogate with U+FFFD; the marker is swapped for its escape in the raw text instead.</summary>
    private const string LoneSurrogate = "@@LONE-SURROGATE@@";

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(
        node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal));

    /// <summary>The first case's body with the second case's change (its difference from the valid body) applied too.</summary>
    private static byte[] Merge(byte[] valid, byte[] first, byte[] second)
    {
        try
        {
            return MergeObjects(valid, first, second);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            // A body whose text cannot be read back (a lone surrogate): it stays broken one way only.
            return first;
        }
    }

    private static byte[] MergeObjects(byte[] valid, byte[] first, byte[] second)
    {
        var origin = JsonNode.Parse(valid)!.AsObject();
        var a = JsonNode.Parse(first)!.AsObject();
        var b = JsonNode.Parse(second)!.AsObject();
        foreach (var (key, value) in b.ToList())
        {
            if (!origin.ContainsKey(key) || !JsonNode.DeepEquals(origin[key], value))
            {
                a[key] = value?.DeepClone();
            }
        }

        foreach (var key in origin.Select(p => p.Key).Where(k => !b.ContainsKey(k)))
        {
            a.Remove(key);
        }

        return Bytes(a);
    }

    private static string Camel(string kebab)
    {
        var parts = kebab.Split('-');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..]));
    }

    private List<FuzzCase> Shuffle(List<FuzzCase> cases) => cases.OrderBy(_ => random.Next()).ToList();
}
