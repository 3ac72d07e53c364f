using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Extensions;

namespace EventHealth.Http;

/// <summary>
/// Timestamps in the query string (<c>from</c>, <c>to</c>, <c>asOf</c>): ISO-8601 with an offset, or without one, then
/// read as UTC. Generated clients write query timestamps without their offset (NSwag's "s" format), so refusing them
/// would break a client as generated; reading them in the server's zone would make the answer depend on where the
/// server runs. Bodies still require the offset (<see cref="OffsetRequiredConverter"/>): they are stored.
/// </summary>
public static partial class QueryTimestamps
{
    private const string Shape = "must be an ISO-8601 timestamp such as 2026-03-29T08:15:00+02:00 or ...Z (without an offset it is read as UTC)";

    /// <summary>What was expected, with a hint when the value looks like an offset whose + was sent unencoded.</summary>
    public static string Expected(string? sent) =>
        sent is not null && UnencodedPlus().IsMatch(sent)
            ? Shape + "; a + in a query string must be sent as %2B (unencoded it reads as a space)"
            : Shape;

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        if (WithoutOffset().IsMatch(text))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
        }

        return OffsetRequiredConverter.TryParse(text, out value);
    }

    /// <summary>
    /// Before binding: a query value shaped like a timestamp without an offset gets "Z", so every binder reads it as
    /// UTC (the framework's own parsing would take the server's zone). Nothing else in the query looks like one.
    /// </summary>
    public static IApplicationBuilder UseUtcQueryTimestamps(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (request.Path.StartsWithSegments("/api") && request.QueryString.HasValue
                && request.Query.Any(pair => pair.Value.Any(v => v is not null && WithoutOffset().IsMatch(v))))
            {
                var query = new QueryBuilder();
                foreach (var (name, values) in request.Query)
                {
                    foreach (var value in values)
                    {
                        query.Add(name, value is not null && WithoutOffset().IsMatch(value) ? value + "Z" : value ?? "");
                    }
                }

                request.QueryString = query.ToQueryString();
            }

            await next(context);
        });

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?$")]
    private static partial Regex WithoutOffset();

    // "2026-03-29T08:15:00 02:00": the + of "+02:00" decoded as a space.
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T[\d:.]+ \d{2}:?\d{2}$")]
    private static partial Regex UnencodedPlus();
}
