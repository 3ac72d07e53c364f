using System.Text.Json;
using System.Text.Json.Serialization;
using EventHealth.Recording;

namespace EventHealth.Timeline;

/// <summary>
/// An entry's fields as recorded (<see cref="RecordedEntry.Data"/>), written into an answer as the stored JSON text.
/// That text was written by the API's own serializer settings, so the bytes are the ones a parse into a
/// <see cref="JsonElement"/> and a re-serialisation gave, without the parse, the copy and the re-encoding per item
/// (the largest share of a timeline page's API time, docs/benchmarks.md). The API document describes it as an open
/// JSON object, as it did the <see cref="JsonElement"/> (Http/OpenApiSchemas.cs).
/// </summary>
[JsonConverter(typeof(Converter))]
public readonly record struct RecordedData(string Json)
{
    private sealed class Converter : JsonConverter<RecordedData>
    {
        public override RecordedData Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return new RecordedData(document.RootElement.GetRawText());
        }

        // Validated while written (a reader pass, no allocation): a damaged document fails the answer, never the client's parser.
        public override void Write(Utf8JsonWriter writer, RecordedData value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json);
    }
}
