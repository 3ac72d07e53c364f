using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace EventHealth.Http;

/// <summary>
/// Timestamps must say their offset ("2026-03-29T08:15:00+02:00" or "...Z"). A bare local time is refused
/// rather than silently read as server time: a daily summary depends on knowing the patient's local day.
/// </summary>
public sealed partial class OffsetRequiredConverter : JsonConverter<DateTimeOffset>
{
    public const string Expected = "must be an ISO-8601 timestamp with an offset, such as 2026-03-29T08:15:00+02:00 or ...Z";

    /// <summary>The length of what <see cref="Write"/> writes: "O" with seven fraction digits and a ±hh:mm offset.</summary>
    private const int RoundTripLength = 33;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        // Most timestamps read are ones this converter wrote (stored events and documents): their exact shape is read by
        // the runtime's round-trip parser, without the string, the pattern and the general parser (7% of a projection
        // rebuild's CPU, docs/benchmarks.md): from the bytes when unescaped, else from the unescaped characters.
        // Anything else, or anything those parsers refuse, takes the general way.
        if (TryReadRoundTrip(ref reader, out var stored))
        {
            return stored; // as stored by PostgreSQL (jsonb keeps "+" unescaped): read from the UTF-8 bytes themselves
        }

        if (reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && reader.ValueSpan.Length <= 64)
        {
            Span<char> chars = stackalloc char[64];
            var written = chars[..reader.CopyString(chars)];
            if (IsRoundTripShape(written)
                && DateTimeOffset.TryParseExact(written, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var roundTrip))
            {
                return roundTrip;
            }
        }

        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (text is null || !TryParse(text, out var value))
        {
            // No message: the serializer then writes its standard one with the JSON path, which names the field.
            throw new JsonException();
        }

        return value;
    }

    /// <summary>Parses a timestamp that states its offset (bodies; the query string also takes UTC without one).</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        return EndsWithOffset().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>The reader's string token as the instant it names when it is unescaped round-trip text ("O", as
    /// <see cref="Write"/> writes it), parsed from its UTF-8 bytes; false for anything else.</summary>
    public static bool TryReadRoundTrip(ref readonly Utf8JsonReader reader, out DateTimeOffset value)
    {
        value = default;
        return reader.TokenType == JsonTokenType.String && !reader.HasValueSequence && !reader.ValueIsEscaped
            && reader.ValueSpan.Length == RoundTripLength && IsRoundTripShape(reader.ValueSpan)
            && Utf8Parser.TryParse(reader.ValueSpan, out value, out var consumed, 'O') && consumed == RoundTripLength;
    }

    /// <summary>"yyyy-MM-ddTHH:mm:ss.fffffff" and an explicit offset, as "O" writes a <see cref="DateTimeOffset"/>.</summary>
    public static bool IsRoundTripShape(ReadOnlySpan<char> text) =>
        text.Length == RoundTripLength && text[10] == 'T' && text[19] == '.' && text[27] is '+' or '-' && text[30] == ':';

    private static bool IsRoundTripShape(ReadOnlySpan<byte> text) =>
        text.Length == RoundTripLength && text[10] == 'T' && text[19] == '.' && text[27] is (byte)'+' or (byte)'-' && text[30] == ':';

    /// <summary>Formatted straight into UTF-8: every event and entry document written carries timestamps.</summary>
    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> text = stackalloc byte[RoundTripLength];
        if (value.TryFormat(text, out var written, "O", CultureInfo.InvariantCulture))
        {
            writer.WriteStringValue(text[..written]);
            return;
        }

        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T.*(Z|z|[+-]\d{2}:?\d{2})$")]
    private static partial Regex EndsWithOffset();
}
