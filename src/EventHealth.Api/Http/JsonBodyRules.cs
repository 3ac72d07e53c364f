using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace EventHealth.Http;

/// <summary>
/// Rules every JSON request body meets before any endpoint reads it, in one pass over its tokens:
/// it says it is JSON (415 otherwise), it is not a bare <c>null</c>, no object names a field twice (the serializer
/// would silently keep the last), and every string can be stored: PostgreSQL's jsonb refuses U+0000 and unpaired
/// surrogates, so such text would fail the append (a 500, after the record was touched) instead of being refused here.
/// </summary>
public static class JsonBodyRules
{
    public static IApplicationBuilder UseJsonBodyRules(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments("/api")
                || !(HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)))
            {
                await next(context);
                return;
            }

            request.EnableBuffering();
            var body = await ReadAsync(request, context.RequestAborted);
            request.Body.Position = 0;
            if (body.Length == 0)
            {
                await next(context);
                return;
            }

            if (!IsJson(request.ContentType))
            {
                await Problems.Result(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body must be JSON.",
                        "Send the body with Content-Type: application/json.", "Content-Type")
                    .ExecuteAsync(context);
                return;
            }

            if (Check(body) is { } fault)
            {
                await Results.Problem(Problems.Validation(fault.Field, fault.Message)).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    /// <summary>The first rule the body breaks, as (field, message); null when it keeps them all or is not JSON at all
    /// (broken syntax is left to the deserializer, which already answers it).</summary>
    public static (string Field, string Message)? Check(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var path = new List<Level>();
        try
        {
            if (!reader.Read())
            {
                return null;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                return ("body", "must be a JSON object");
            }

            do
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        Advance(path);
                        path.Add(new Level(IsArray: false));
                        break;
                    case JsonTokenType.StartArray:
                        Advance(path);
                        path.Add(new Level(IsArray: true));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var level = path[^1];
                        if (!Storable(name))
                        {
                            // Named by its parent: the name itself is what cannot be shown or stored.
                            return (Describe(path), "has a field name that is not storable text (NUL or an unpaired surrogate)");
                        }

                        level.Property = name;

                        if (!(level.Names ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(name))
                        {
                            return (Describe(path), "appears more than once");
                        }

                        break;
                    case JsonTokenType.String:
                        Advance(path);
                        if (!Storable(reader.GetString()!))
                        {
                            return (Describe(path), "must not contain NUL characters (\\u0000) or unpaired surrogates");
                        }

                        break;
                    default:
                        Advance(path);
                        break;
                }
            }
            while (reader.Read());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Unescaping a lone surrogate throws InvalidOperationException; broken syntax throws JsonException.
            return e is InvalidOperationException && path.Count > 0 ? (Describe(path), "must be valid Unicode text") : null;
        }

        return null;
    }

    /// <summary>Text PostgreSQL can store in jsonb and text columns: no U+0000, no surrogate without its partner.</summary>
    public static bool Storable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Value is { } type
        && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        && (media.Charset.Value is null || media.Charset.Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase));

    private static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellation);
        return buffer.ToArray();
    }

    /// <summary>A value inside an array moves its index on.</summary>
    private static void Advance(List<Level> path)
    {
        if (path.Count > 0 && path[^1].IsArray)
        {
            path[^1].Index++;
        }
    }

    private static string Describe(List<Level> path)
    {
        var text = new StringBuilder();
        foreach (var level in path)
        {
            if (level.IsArray)
            {
                text.Append('[').Append(level.Index).Append(']');
            }
            else if (level.Property is { } property)
            {
                text.Append(text.Length == 0 ? "" : ".").Append(property);
            }
        }

        return text.Length == 0 ? "body" : text.ToString();
    }

    private sealed class Level(bool IsArray)
    {
        public bool IsArray { get; } = IsArray;
        public int Index { get; set; } = -1;
        public string? Property { get; set; }
        public HashSet<string>? Names { get; set; }
    }
}
