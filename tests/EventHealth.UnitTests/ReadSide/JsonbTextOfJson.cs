using System.Buffers;
using System.Text.Json;
using EventHealth.Projections;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// The jsonb text of any JSON value, rewritten from the JSON System.Text.Json wrote for it: keys sorted as jsonb sorts
/// them, a space after each ":" and ",", strings unescaped and escaped again as jsonb escapes them (<see cref="JsonbText"/>),
/// numbers as they were written (jsonb gives back the same text for the whole numbers the documents hold). The reference
/// the rebuild's direct writer for entry documents is held to: what a document serializes to, rewritten here, must be
/// what <see cref="JsonbText.Write"/> writes from its fields.
/// </summary>
internal static class JsonbTextOfJson
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
                    JsonbText.Escaped(Unescaped(ref reader), output);
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
            JsonbText.Escaped(texts.Span.Slice(member.KeyStart, member.KeyLength), output);
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
}
