using Microsoft.Net.Http.Headers;

namespace EventHealth.Http;

/// <summary>
/// Conditional GETs for every /api read: each 200 JSON answer carries an ETag, and a request whose If-None-Match
/// names it gets 304 with no body. An endpoint that sets its own ETag (the profile: the record version, usable in
/// If-Match) keeps it; otherwise the ETag is a hash of the answer's bytes, which is exact for every read, also for
/// those that depend on more than the record version (daily rows that are still projecting, insights over "today").
/// </summary>
public static class ConditionalGets
{
    public static IApplicationBuilder UseConditionalGets(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsGet(context.Request.Method) || !context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }

            // The access audit already holds the answer: it is hashed where it lies. Without it, this holds its own.
            var original = context.Response.Body;
            var outer = HeldAnswers.Current(context);
            await using var own = outer is null ? HeldAnswers.Hold() : null;
            var held = outer ?? own!;
            var start = held.Length;
            context.Response.Body = held;
            try
            {
                await next(context);
            }
            finally
            {
                context.Response.Body = original;
            }

            if (context.Response.StatusCode == StatusCodes.Status200OK)
            {
                var etag = context.Response.Headers.ETag.ToString();
                if (etag.Length == 0)
                {
                    etag = $"\"{HeldAnswers.Hash(held, start)}\"";
                    context.Response.Headers.ETag = etag;
                }

                if (Matches(context.Request.Headers.IfNoneMatch.ToString(), etag))
                {
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    context.Response.ContentLength = null;
                    context.Response.Headers.ContentType = default;
                    held.SetLength(start);
                    return;
                }
            }

            if (own is not null)
            {
                own.Position = 0;
                await own.CopyToAsync(original, context.RequestAborted);
            }
        });

    /// <summary>If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored; * matches anything.</summary>
    public static bool Matches(string ifNoneMatch, string etag)
    {
        if (ifNoneMatch.Length == 0)
        {
            return false;
        }

        if (!EntityTagHeaderValue.TryParseList(ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), out var tags)
            || !EntityTagHeaderValue.TryParse(etag, out var current))
        {
            return false;
        }

        return tags.Any(tag => tag.Tag == "*" || tag.Compare(current, useStrongComparison: false));
    }
}
