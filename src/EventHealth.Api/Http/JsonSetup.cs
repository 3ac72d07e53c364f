using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Json;

namespace EventHealth.Http;

/// <summary>
/// One JSON dialect for the API and the stored events: camelCase fields, kebab-case enum strings
/// ("poor-sleep"), no numeric enums.
/// </summary>
public static partial class JsonSetup
{
    public static readonly JsonNamingPolicy EnumNaming = JsonNamingPolicy.KebabCaseLower;

    /// <summary>Before <see cref="Options"/>: its converters may spell values while they are built.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Enum, string> Spellings = new();

    /// <summary>The dialect as a ready instance, for code that serializes outside ASP.NET and Marten.</summary>
    public static readonly JsonSerializerOptions Options = Create();

    public static void Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Numbers are numbers: "4" is not an intensity. Keeps the OpenAPI types exact for generated clients.
        options.NumberHandling = JsonNumberHandling.Strict;
        // Lets a batch entry's "type" stand anywhere in the object, as phone apps write it.
        options.AllowOutOfOrderMetadataProperties = true;
        // Only the contract's spelling: no other casing, padding, member names or numbers (StrictEnumConverter).
        options.Converters.Add(new StrictEnumConverter());
        options.Converters.Add(new OffsetRequiredConverter());
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        Apply(options);
        return options;
    }

    /// <summary>The contract's spelling of an enum value ("poor-sleep"), worked out once per value: entry summaries and
    /// day tallies ask for it on every entry, and the rebuild for every entry of a record.</summary>
    public static string Spelling(Enum value) => Spellings.GetOrAdd(value, static v => EnumNaming.ConvertName(v.ToString()));

    /// <summary><see cref="Spelling(Enum)"/> for a value of a known enum type, from a table of the type's values: no boxing
    /// and no shared lookup for the entry summaries, day tallies and documents every entry of a rebuild asks for.</summary>
    public static string Spelling<TEnum>(TEnum value)
        where TEnum : struct, Enum => SpellingsOf<TEnum>.Spellings.TryGetValue(value, out var spelling) ? spelling : Spelling((Enum)value);

    private static class SpellingsOf<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly System.Collections.Frozen.FrozenDictionary<TEnum, string> Spellings =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<TEnum>().Distinct(), value => value, value => Spelling((Enum)value));
    }

    public static string AllowedValues(Type enumType) =>
        string.Join(", ", Enum.GetNames(Nullable.GetUnderlyingType(enumType) ?? enumType).Select(EnumNaming.ConvertName));

    public static IHostApplicationBuilder AddJsonSetup(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(json => Apply(json.SerializerOptions));
        return builder;
    }

    /// <summary>
    /// Wolverine answers a body that fails to deserialize with a "Invalid JSON format" problem carrying the
    /// serializer's message about the first misfit. This rewrites it into our validation shape naming every field that
    /// does not fit its type (<see cref="JsonBodyErrors"/>), each with what it expected.
    /// </summary>
    public static void DescribeJsonFailure(Microsoft.AspNetCore.Mvc.ProblemDetails problem, HttpContext http)
    {
        if (problem.Title != "Invalid JSON format" || problem.Detail is null)
        {
            return;
        }

        var path = JsonPath().Match(problem.Detail) is { Success: true } match ? match.Groups["path"].Value : "$";
        var target = TargetType().Match(problem.Detail) is { Success: true } typeMatch
            ? Type.GetType(typeMatch.Groups["type"].Value)
            : null;
        var unknownType = problem.Detail.Contains("type discriminator", StringComparison.Ordinal);
        var wrongValue = problem.Detail.Contains("could not be converted", StringComparison.Ordinal);

        // A value that does not fit its field names the field; broken syntax is a fault of the whole body.
        var field = (wrongValue || unknownType) && path != "$" ? path.TrimStart('$').TrimStart('.') : "body";
        var message = target is { IsEnum: true } ? $"must be one of {AllowedValues(target)}"
            : unknownType ? "has an unknown type"
            : wrongValue && field != "body" ? (target is null ? "has the wrong type or format" : JsonBodyErrors.Expected(target))
            : wrongValue ? "must be a JSON object"
            : $"is not valid JSON (near {path})";

        var errors = (wrongValue || unknownType) && field != "body" && EveryMisfit(http) is { Count: > 0 } all
            ? all
            : new Dictionary<string, string[]> { [field] = [message] };
        var rewritten = Problems.Validation(errors);
        problem.Type = rewritten.Type;
        problem.Title = rewritten.Title;
        problem.Detail = rewritten.Detail;
        problem.Extensions.Remove("lineNumber");
        problem.Extensions.Remove("bytePositionInLine");
        problem.Extensions["errors"] = errors;
    }

    /// <summary>Every field of the request body that does not fit the endpoint's request type; null when the body cannot be read again.</summary>
    private static IReadOnlyDictionary<string, string[]>? EveryMisfit(HttpContext http)
    {
        var requestType = http.GetEndpoint()?.Metadata.GetMetadata<Wolverine.Http.HttpChain>()?.RequestType;
        var body = http.Request.Body;
        if (requestType is null || !body.CanSeek)
        {
            return null;
        }

        try
        {
            // The body was buffered whole by JsonBodyRules, so reading it again touches no socket.
            body.Position = 0;
            using var document = JsonDocument.Parse(body);
            var errors = new FieldErrors();
            var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<JsonOptions>>().Value.SerializerOptions;
            JsonBodyErrors.Collect(document.RootElement, requestType, options, errors);
            return errors.ToDictionary();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"Path: (?<path>\$[^\s|]*)")]
    private static partial Regex JsonPath();

    // "could not be converted to EventHealth.Recording.Side" or "... to System.Nullable`1[EventHealth.Recording.Side]"
    [GeneratedRegex(@"converted to (System\.Nullable`1\[)?(?<type>[\w.]+)\]?\. Path")]
    private static partial Regex TargetType();
}
