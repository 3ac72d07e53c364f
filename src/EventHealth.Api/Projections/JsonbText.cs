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
