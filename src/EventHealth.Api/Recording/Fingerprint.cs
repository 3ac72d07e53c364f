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
    /// <remarks>Hashes "{type name}:{json}" as UTF-8, encoded into a rented buffer, with a hash object kept per thread: the
    /// rebuild computes one per entry, and OpenSSL's set-up of a one-shot hash was a fifth of each (docs/benchmarks.md,
    /// issue 23's sixteenth pass).</remarks>
    public static string OfJson(Type eventType, string json)
    {
        var length = Encoding.UTF8.GetMaxByteCount(eventType.Name.Length + 1 + json.Length);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(eventType.Name, buffer);
            buffer[written++] = (byte)':';
            written += Encoding.UTF8.GetBytes(json, buffer.AsSpan(written));
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var sha256 = perThread ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha256.AppendData(buffer, 0, written);
            sha256.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reset after every use (<see cref="IncrementalHash.GetHashAndReset(Span{byte})"/>), so never holds a half-hashed input.</summary>
    [ThreadStatic]
    private static IncrementalHash? perThread;
}
