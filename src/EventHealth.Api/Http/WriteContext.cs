using System.Security.Claims;
using System.Text.RegularExpressions;
using EventHealth.Hosting;
using Microsoft.Net.Http.Headers;

namespace EventHealth.Http;

/// <summary>
/// Who writes, from which client, as part of which request, at what server time, and with which
/// expected stream version. Stored as event metadata; none of it is taken from the request body.
/// </summary>
public sealed partial record WriteContext(
    string Actor,
    string ClientId,
    string CorrelationId,
    DateTimeOffset Now,
    long? ExpectedVersion)
{
    public const string ClientIdHeader = "X-Client-Id";
    public const string UnknownClient = "unknown";

    public static WriteContext From(HttpContext http, TimeProvider clock, long? expectedVersion) => new(
        ActorOf(http.User),
        SafeToken().IsMatch(http.Request.Headers[ClientIdHeader].ToString()) ? http.Request.Headers[ClientIdHeader].ToString() : UnknownClient,
        Hosting.CorrelationId.Get(http),
        clock.GetUtcNow(),
        expectedVersion);

    /// <summary>From the validated token only ("patient:&lt;id&gt;"); nothing a client sends in a body or header can set it.</summary>
    public static string ActorOf(ClaimsPrincipal user) => Access.Caller.Of(user).Actor;

    /// <summary>
    /// Parses <c>If-Match: "7"</c> (also <c>W/"7"</c> or a bare 7). Absent or <c>*</c> means "any version".
    /// </summary>
    public static bool TryParseIfMatch(HttpRequest request, out long? expectedVersion)
    {
        expectedVersion = null;
        var raw = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        if (raw.Length == 0 || raw == "*")
        {
            return true;
        }

        var unquoted = raw.StartsWith("W/", StringComparison.Ordinal) ? raw[2..] : raw;
        unquoted = unquoted.Trim('"');
        if (long.TryParse(unquoted, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            expectedVersion = version;
            return true;
        }

        return false;
    }

    public static void SetETag(HttpResponse response, long version) =>
        response.Headers[HeaderNames.ETag] = $"\"{version}\"";

    [GeneratedRegex("^[A-Za-z0-9._:/@+-]{1,64}$")]
    private static partial Regex SafeToken();
}
