using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventHealth.Http;

/// <summary>
/// Enums are read in their one contract spelling only ("poor-sleep"). The framework's string-enum converter also
/// accepts other casings ("LEFT"), padded values (" left"), the C# member name ("poorSleep") and comma lists;
/// a health record must not store a value the contract does not name, so anything else is refused.
/// </summary>
public sealed class StrictEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Spelled<>).MakeGenericType(typeToConvert))!;

    private sealed class Spelled<TEnum> : JsonConverter<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly FrozenDictionary<string, TEnum> Values =
            Enum.GetValues<TEnum>().ToFrozenDictionary(value => JsonSetup.Spelling(value), StringComparer.Ordinal);

        /// <summary>Looked up by the characters as read, without a string per value: events are read by the thousand.</summary>
        private static readonly FrozenDictionary<string, TEnum>.AlternateLookup<ReadOnlySpan<char>> ValuesByText =
            Values.GetAlternateLookup<ReadOnlySpan<char>>();

        /// <summary>Written as encoded once: the same bytes the writer would escape and encode each time, under any encoder,
        /// while spellings are plain ASCII (lower-case letters, digits, hyphens; a unit test holds every enum to it).</summary>
        private static readonly FrozenDictionary<TEnum, JsonEncodedText> Spellings =
            Enum.GetValues<TEnum>().Distinct().ToFrozenDictionary(value => value, value => JsonEncodedText.Encode(JsonSetup.Spelling(value)));

        /// <summary>Longer than any spelling: read as a string (escapes may still unescape to one).</summary>
        private const int LongestOnStack = 64;

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && TryRead(ref reader, out var value)
                ? value
                // No message: the serializer then writes its standard one with the JSON path, which names the field.
                : throw new JsonException();

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Spellings.TryGetValue(value, out var spelling) ? spelling : throw new JsonException($"{typeof(TEnum).Name} has no value {value}"));

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            TryRead(ref reader, out var value) ? value : throw new JsonException();

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Spellings[value]);

        private static bool TryRead(ref Utf8JsonReader reader, out TEnum value)
        {
            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (length > LongestOnStack)
            {
                value = default;
                return reader.GetString() is { } text && Values.TryGetValue(text, out value);
            }

            // Unescaped, the characters are never more than the bytes.
            Span<char> characters = stackalloc char[LongestOnStack];
            return ValuesByText.TryGetValue(characters[..reader.CopyString(characters)], out value);
        }
    }
}
