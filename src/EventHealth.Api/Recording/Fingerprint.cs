using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventHealth.Http;

namespace EventHealth.Recording;

/// <summary>
/// A stable hash of an event's content (type + canonical JSON). Two requests carrying the same idempotency key
/// are "the same" exactly when their fingerprints are equal.
/// </summary>
public static class Fingerprint
{

    public static string Of(object @event)
    {
        var json = JsonSerializer.Serialize(@event, @event.GetType(), JsonSetup.Options);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{@event.GetType().Name}:{json}"));
        return Convert.ToHexStringLower(bytes);
    }
}
