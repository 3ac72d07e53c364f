using System.Buffers;
using System.Text.Json;

namespace EventHealth.Projections;

/// <summary>
/// The text PostgreSQL gives back for a jsonb value (jsonb_out), written from the JSON System.Text.Json wrote for it:
/// object keys sorted by their length in bytes and then by their bytes, a space after each ":" and ",", and strings
/// escaped as jsonb's text escapes them (a quote as \", a backslash as \\, \b \f \n \r \t, other control characters as
/// \u00xx in lower case; "+", "&lt;", non-ASCII letters and every other character as they are). The projection rebuild
/// writes each rebuilt entry document this way and hashes it, so that a live document's text is hashed as it arrives,
/// without being parsed (<see cref="RebuiltEntries"/>). Numbers keep the text they were written with: jsonb gives back
/// the same text for every number System.Text.Json writes for the documents' fields (whole numbers), but not for every
/// number ("1E+20" comes back as 100000000000000000000). A text that differs, for that or any other reason, only sends
/// the document to the full comparison, which has the last word.
/// </summary>
internal static class JsonbText
{
    /// <summary>Writes the jsonb text of the JSON value in <paramref name="json"/> to <paramref name="output"/>.</summary>
    public static void Write(ReadOnlySpan<byte> json, ArrayBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read())
        {
            throw new JsonException("An empty JSON text has no jsonb text.");
        }

        Value(ref reader, output, depth: 0);
    }

    /// <summary>
    /// Writes the jsonb text of an entry document as Marten stores it (<see cref="Recording.RecordedEntry"/> serialized with
    /// the API's dialect: camelCase names, nulls written, instants as "O") straight from its fields, in jsonb's key order.
    /// The same text as <see cref="Write"/> gives for the serialized document (JsonbTextTests hold the two together):
    /// serializing each rebuilt document and sorting its keys again had been a quarter of the API's samples in a rebuild,
    /// this is 7% (docs/benchmarks.md, issue 23's fifteenth pass).
    /// </summary>
    public static void Write(Recording.RecordedEntry entry, ArrayBufferWriter<byte> output)
    {
        // Keys shorter first, then in byte order: the order Object sorts the serialized document's keys into.
        output.Write("{\"id\": "u8);
        String(entry.Id, output);
        output.Write(", \"data\": "u8);
        String(entry.Data, output);
        output.Write(", \"kind\": "u8);
        String(entry.Kind, output);
        output.Write(", \"entryId\": "u8);
        Guid(entry.EntryId, output);
        output.Write(", \"sortKey\": "u8);
        String(entry.SortKey, output);
        output.Write(", \"summary\": "u8);
        String(entry.Summary, output);
        output.Write(", \"version\": "u8);
        Number(entry.Version, output);
        output.Write(", \"patientId\": "u8);
        Guid(entry.PatientId, output);
        output.Write(entry.Retracted ? ", \"retracted\": true"u8 : ", \"retracted\": false"u8);
        output.Write(", \"occurredAt\": "u8);
        Instant(entry.OccurredAt, output);
        output.Write(", \"recordedAt\": "u8);
        Instant(entry.RecordedAt, output);
        output.Write(", \"fingerprint\": "u8);
        String(entry.Fingerprint, output);
        output.Write(", \"retractedAt\": "u8);
        Instant(entry.RetractedAt, output);
        output.Write(", \"retractionReason\": "u8);
        String(entry.RetractionReason, output);
        output.Write(", \"retractedInVersion\": "u8);
        Number(entry.RetractedInVersion, output);
        output.Write("}"u8);
    }

    private static void String(string? text, ArrayBufferWriter<byte> output)
    {
        if (text is null)
        {
            output.Write("null"u8);
            return;
        }

        output.Write("\""u8);
        var utf8 = ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            Escaped(utf8.AsSpan(0, System.Text.Encoding.UTF8.GetBytes(text, utf8)), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }

        output.Write("\""u8);
    }

    private static void Guid(Guid id, ArrayBufferWriter<byte> output)
    {
        // "D": hex digits and hyphens, nothing to escape.
        var span = output.GetSpan(38);
        span[0] = (byte)'"';
        id.TryFormat(span[1..], out var written, "D");
        span[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    private static void Number(long? number, ArrayBufferWriter<byte> output)
    {
        if (number is not { } value)
        {
            output.Write("null"u8);
            return;
        }

        value.TryFormat(output.GetSpan(20), out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    /// <summary>As <see cref="Http.OffsetRequiredConverter"/> writes an instant: "O", ASCII with nothing to escape.</summary>
    private static void Instant(DateTimeOffset? instant, ArrayBufferWriter<byte> output)
    {
        if (instant is not { } value)
        {
            output.Write("null"u8);
            return;
        }

        var span = output.GetSpan(40);
        span[0] = (byte)'"';
        value.TryFormat(span[1..], out var written, "O", System.Globalization.CultureInfo.InvariantCulture);
        span[written + 1] = (byte)'"';
        output.Advance(written + 2);
    }

    /// <summary>One member of an object being written: its key (unescaped) and its value's jsonb text, both in the level's buffer.</summary>
    private readonly record struct Member(int KeyStart, int KeyLength, int ValueStart, int ValueLength);

    /// <summary>What writing one object needs: its members' texts before they are sorted. One per nesting depth and
    /// thread, used again for every object at that depth (a rebuild writes one document per entry).</summary>
    private sealed class Level
    {
        public ArrayBufferWriter<byte> Texts { get; } = new(1_024);
        public List<Member> Members { get; } = [];
    }

    [ThreadStatic]
    private static List<Level>? levels;

    private static void Value(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int depth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                Object(ref reader, output, depth);
                break;
            case JsonTokenType.StartArray:
                output.Write("["u8);
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        output.Write(", "u8);
                    }

                    first = false;
                    Value(ref reader, output, depth + 1);
                }

                output.Write("]"u8);
                break;
            case JsonTokenType.String:
                output.Write("\""u8);
                if (reader.ValueIsEscaped && !ShortEscapesOnly(reader.ValueSpan))
                {
                    Escaped(Unescaped(ref reader), output);
                }
                else
                {
                    // Unescaped text holds no quote, backslash or control character, and the short escapes (\" \\ \n …)
                    // are jsonb's own: either way the text is jsonb's as it is.
                    output.Write(reader.ValueSpan);
                }

                output.Write("\""u8);
                break;
            case JsonTokenType.Number:
                output.Write(reader.ValueSpan);
                break;
            case JsonTokenType.True:
                output.Write("true"u8);
                break;
            case JsonTokenType.False:
                output.Write("false"u8);
                break;
            case JsonTokenType.Null:
                output.Write("null"u8);
                break;
            default:
                throw new JsonException($"Unexpected {reader.TokenType} in a JSON value.");
        }
    }

    private static void Object(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int depth)
    {
        levels ??= [];
        while (levels.Count <= depth)
        {
            levels.Add(new Level());
        }

        var level = levels[depth];
        level.Texts.ResetWrittenCount();
        level.Members.Clear();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var keyStart = level.Texts.WrittenCount;
            level.Texts.Write(reader.ValueIsEscaped ? Unescaped(ref reader) : reader.ValueSpan);
            var keyLength = level.Texts.WrittenCount - keyStart;
            reader.Read();
            var valueStart = level.Texts.WrittenCount;
            Value(ref reader, level.Texts, depth + 1);
            level.Members.Add(new Member(keyStart, keyLength, valueStart, level.Texts.WrittenCount - valueStart));
        }

        // jsonb keeps an object's keys shorter first, then in byte order.
        var texts = level.Texts.WrittenMemory;
        level.Members.Sort((a, b) => a.KeyLength != b.KeyLength
            ? a.KeyLength.CompareTo(b.KeyLength)
            : texts.Span.Slice(a.KeyStart, a.KeyLength).SequenceCompareTo(texts.Span.Slice(b.KeyStart, b.KeyLength)));

        output.Write("{"u8);
        for (var i = 0; i < level.Members.Count; i++)
        {
            var member = level.Members[i];
            output.Write(i == 0 ? "\""u8 : ", \""u8);
            Escaped(texts.Span.Slice(member.KeyStart, member.KeyLength), output);
            output.Write("\": "u8);
            output.Write(texts.Span.Slice(member.ValueStart, member.ValueLength));
        }

        output.Write("}"u8);
    }

    /// <summary>Whether every escape in a string's text is one jsonb writes too (\" \\ \b \f \n \r \t): no \uXXXX, no \/.</summary>
    private static bool ShortEscapesOnly(ReadOnlySpan<byte> text)
    {
        for (var at = text.IndexOf((byte)'\\'); at >= 0; at = text.IndexOf((byte)'\\'))
        {
            if (at + 1 < text.Length && (text[at + 1] == (byte)'u' || text[at + 1] == (byte)'/'))
            {
                return false;
            }

            text = text[(at + 2)..];
        }

        return true;
    }

    /// <summary>The current string's or key's text unescaped (a new array: escaped strings are the rarer case).</summary>
    private static byte[] Unescaped(ref Utf8JsonReader reader)
    {
        // Unescaping never lengthens a text.
        var buffer = new byte[reader.ValueSpan.Length];
        return buffer[..reader.CopyString(buffer)];
    }

    /// <summary>Writes unescaped UTF-8 text escaped as jsonb's text escapes it (PostgreSQL's escape_json).</summary>
    private static void Escaped(ReadOnlySpan<byte> text, ArrayBufferWriter<byte> output)
    {
        while (!text.IsEmpty)
        {
            var plain = text.IndexOfAny(MustEscape);
            if (plain < 0)
            {
                output.Write(text);
                return;
            }

            output.Write(text[..plain]);
            var special = text[plain];
            output.Write(special switch
            {
                (byte)'"' => "\\\""u8,
                (byte)'\\' => "\\\\"u8,
                (byte)'\b' => "\\b"u8,
                (byte)'\f' => "\\f"u8,
                (byte)'\n' => "\\n"u8,
                (byte)'\r' => "\\r"u8,
                (byte)'\t' => "\\t"u8,
                _ => [(byte)'\\', (byte)'u', (byte)'0', (byte)'0', Hex[special >> 4], Hex[special & 0xF]],
            });
            text = text[(plain + 1)..];
        }
    }

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>The bytes jsonb's text escapes: a quote, a backslash and the control characters.</summary>
    private static readonly SearchValues<byte> MustEscape = SearchValues.Create(
        [(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);
}
