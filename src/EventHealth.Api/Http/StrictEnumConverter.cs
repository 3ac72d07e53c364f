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

        private static readonly FrozenDictionary<TEnum, string> Spellings =
            Enum.GetValues<TEnum>().Distinct().ToFrozenDictionary(value => value, value => JsonSetup.Spelling(value));

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && Values.TryGetValue(text, out var value)
                ? value
                // No message: the serializer then writes its standard one with the JSON path, which names the field.
                : throw new JsonException();

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Spellings.TryGetValue(value, out var spelling) ? spelling : throw new JsonException($"{typeof(TEnum).Name} has no value {value}"));

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } text && Values.TryGetValue(text, out var value) ? value : throw new JsonException();

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WritePropertyName(Spellings[value]);
    }
}
