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
    public static string Of(object @event) => OfJson(@event.GetType(), JsonSerializer.Serialize(@event, @event.GetType(), JsonSetup.Options));

    /// <summary>The same hash from the event's JSON in the API's dialect, for callers that have serialized it already.</summary>
    public static string OfJson(Type eventType, string json) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventType.Name}:{json}")));
}
