using System.Buffers;
using System.Collections.Concurrent;
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
    public static string Of(object @event) => WithJson(@event).Fingerprint;

    /// <summary>
    /// The event's JSON in the API's dialect and its fingerprint, serialized once: "{type name}:{json}" is written as UTF-8
    /// into a buffer kept per thread, hashed from there by a hash object kept per thread, and the JSON is read out of it
    /// as text. The rebuild computes one per entry (docs/benchmarks.md, issue 23's sixteenth and twentieth passes).
    /// </summary>
    public static (string Json, string Fingerprint) WithJson(object @event)
    {
        var type = @event.GetType();
        var prefix = Prefixes.GetOrAdd(type, static t => Encoding.UTF8.GetBytes(t.Name + ":"));
        // A call from inside a serialization on this thread (none today) gets a buffer of its own, never the one in use.
        var reentered = inUse;
        var output = reentered ? new ArrayBufferWriter<byte>(InitialBuffer) : perThreadOutput ??= new ArrayBufferWriter<byte>(InitialBuffer);
        output.ResetWrittenCount();
        output.Write(prefix);
        var writer = reentered ? NewWriter(output) : perThreadWriter ??= NewWriter(output);
        inUse = true;
        try
        {
            writer.Reset(output);
            JsonSerializer.Serialize(writer, @event, type, JsonSetup.Options);
            writer.Flush();
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var sha256 = perThreadHash ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            sha256.AppendData(output.WrittenSpan);
            sha256.GetHashAndReset(hash);
            return (Encoding.UTF8.GetString(output.WrittenSpan[prefix.Length..]), Convert.ToHexStringLower(hash));
        }
        finally
        {
            inUse = reentered;
            if (!reentered && output.Capacity > LargestBufferKept)
            {
                // A long clinician's note: not kept for the thread's lifetime.
                (perThreadOutput, perThreadWriter) = (null, null);
            }
        }
    }

    private static Utf8JsonWriter NewWriter(ArrayBufferWriter<byte> output) => new(output, new JsonWriterOptions
    {
        Encoder = JsonSetup.Options.Encoder,
        Indented = JsonSetup.Options.WriteIndented,
        MaxDepth = JsonSetup.Options.MaxDepth,
    });

    private const int InitialBuffer = 1024;
    private const int LargestBufferKept = 64 * 1024;

    private static readonly ConcurrentDictionary<Type, byte[]> Prefixes = new();

    /// <summary>Reset before every use (<see cref="Utf8JsonWriter.Reset(IBufferWriter{byte})"/>, <see cref="ArrayBufferWriter{T}.ResetWrittenCount"/>).</summary>
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? perThreadOutput;

    [ThreadStatic]
    private static Utf8JsonWriter? perThreadWriter;

    [ThreadStatic]
    private static bool inUse;

    /// <summary>Reset after every use (<see cref="IncrementalHash.GetHashAndReset(Span{byte})"/>), so never holds a half-hashed input.</summary>
    [ThreadStatic]
    private static IncrementalHash? perThreadHash;
}
