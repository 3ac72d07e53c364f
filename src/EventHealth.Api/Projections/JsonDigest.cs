using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace EventHealth.Projections;

/// <summary>
/// A 128-bit digest of a JSON text's values, the same for two texts that differ only in the order of object members and
/// in whitespace: PostgreSQL gives a jsonb document back with its keys sorted by length and spaces after the separators,
/// where System.Text.Json writes them in declaration order without spaces. Strings and numbers count as written (their
/// escapes, "1.0" against "1"), so two texts of one value escaped differently digest differently. The projection rebuild
/// keeps a record's rebuilt entry documents as digests, written with the escapes PostgreSQL's text uses, and compares them
/// with the digests of the live documents as these stream past (<see cref="RebuiltEntries"/>), instead of deserializing
/// every live document. Equal digests mean equal documents but for a collision (2^-128); unequal ones only send the pair
/// to the full comparison, which has the last word.
/// </summary>
internal static class JsonDigest
{
    /// <summary>One hasher per thread for the members (a digest never awaits, so a thread finishes one before the next).</summary>
    [ThreadStatic]
    private static XxHash128? member;

    private const long ObjectSeed = 1, ArraySeed = 2, MemberSeed = 3;

    public static UInt128 Of(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            throw new JsonException("An empty JSON text has no digest.");
        }

        return Tagged([], ref reader);
    }

    /// <summary>
    /// One hash of <paramref name="prefix"/> (a member's name, or the digest of an array's items before it), a tag for the
    /// kind of the value at the reader, and the value: its text for a string or a number, its digest for an object or an
    /// array. Leaves the reader on the value's last token.
    /// </summary>
    private static UInt128 Tagged(scoped ReadOnlySpan<byte> prefix, ref Utf8JsonReader reader)
    {
        Span<UInt128> nested = stackalloc UInt128[1];
        scoped ReadOnlySpan<byte> value = default;
        byte tag;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                (tag, nested[0]) = ((byte)'o', Object(ref reader));
                value = MemoryMarshal.AsBytes(nested);
                break;
            case JsonTokenType.StartArray:
                (tag, nested[0]) = ((byte)'a', Array(ref reader));
                value = MemoryMarshal.AsBytes(nested);
                break;
            case JsonTokenType.String:
                tag = (byte)'s';
                value = reader.ValueSpan;
                break;
            case JsonTokenType.Number:
                tag = (byte)'n';
                value = reader.ValueSpan;
                break;
            case JsonTokenType.True:
                tag = (byte)'t';
                break;
            case JsonTokenType.False:
                tag = (byte)'f';
                break;
            case JsonTokenType.Null:
                tag = (byte)'z';
                break;
            default:
                throw new JsonException($"Unexpected {reader.TokenType} in a JSON value.");
        }

        // The name and the value are joined with a zero byte, which JSON text never holds unescaped. Nested values were
        // digested above, so the thread's hasher is free.
        var hasher = member ??= new XxHash128(MemberSeed);
        hasher.Reset();
        hasher.Append(prefix);
        hasher.Append([0, tag]);
        hasher.Append(value);
        return hasher.GetCurrentHashAsUInt128();
    }

    /// <summary>An object's digest: the sum of its members' (addition does not see their order).</summary>
    private static UInt128 Object(ref Utf8JsonReader reader)
    {
        UInt128 members = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // The reader reads one contiguous text, so the name's span stays valid while its value is read.
            var name = reader.ValueSpan;
            reader.Read();
            members += Tagged(name, ref reader);
        }

        return Seal(members, ObjectSeed);
    }

    /// <summary>An array's digest: a chain through its items (their order counts).</summary>
    private static UInt128 Array(ref Utf8JsonReader reader)
    {
        Span<UInt128> chain = [ArraySeed];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            chain[0] = Tagged(MemoryMarshal.AsBytes(chain), ref reader);
        }

        return Seal(chain[0], ArraySeed);
    }

    private static UInt128 Seal(UInt128 value, long seed)
    {
        Span<UInt128> bytes = [value];
        return XxHash128.HashToUInt128(MemoryMarshal.AsBytes(bytes), seed);
    }
}
