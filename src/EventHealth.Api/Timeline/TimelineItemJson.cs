using System.Buffers;
using System.Text.Json;
using EventHealth.Recording;

namespace EventHealth.Timeline;

/// <summary>
/// Writes a <see cref="TimelineItem"/> straight from the JSON of its stored <see cref="RecordedEntry"/> document, the
/// bytes <see cref="System.Text.Json"/> gives for <c>TimelineItem.Of(entry)</c> without materialising either object:
/// strings are unescaped and written with the API's escaping, instants and ids copied as the API's own serializer wrote
/// them, the entry's <c>data</c> written as its stored text (<see cref="RecordedData"/>). Deserialising a page of
/// documents was the largest part of a timeline page's API time (docs/benchmarks.md, issue 23's fourth pass). A
/// document of any other shape (an old one missing a field, say) goes through the objects, so the answer is the same.
/// </summary>
public static class TimelineItemJson
{
    private static readonly JsonEncodedText EntryId = JsonEncodedText.Encode("entryId");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText OccurredAt = JsonEncodedText.Encode("occurredAt");
    private static readonly JsonEncodedText RecordedAt = JsonEncodedText.Encode("recordedAt");
    private static readonly JsonEncodedText Version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText Summary = JsonEncodedText.Encode("summary");
    private static readonly JsonEncodedText Retracted = JsonEncodedText.Encode("retracted");
    private static readonly JsonEncodedText Retraction = JsonEncodedText.Encode("retraction");
    private static readonly JsonEncodedText Reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    /// <summary>
    /// Writes the item of <paramref name="document"/> (UTF-8 JSON of a <see cref="RecordedEntry"/>) with the writer's
    /// escaping, which must be <paramref name="options"/>' (the objects' way is serialized with them); answers its sort key.
    /// </summary>
    public static string Write(Utf8JsonWriter writer, ReadOnlySpan<byte> document, JsonSerializerOptions options)
    {
        var fields = new Fields();
        if (fields.Read(document) && fields.SortKey is { } sortKey)
        {
            fields.Write(writer, document);
            return sortKey;
        }

        var entry = JsonSerializer.Deserialize<RecordedEntry>(document, options)
            ?? throw new JsonException("A stored entry document is null.");
        JsonSerializer.Serialize(writer, TimelineItem.Of(entry), options);
        return entry.SortKey;
    }

    /// <summary>Whether <paramref name="document"/> is written from its bytes (else through the objects).</summary>
    public static bool IsDirect(ReadOnlySpan<byte> document)
    {
        var fields = new Fields();
        return fields.Read(document) && fields.SortKey is not null;
    }

    /// <summary>Where each field's value lies in the document (token ranges), read in one pass in any key order.</summary>
    private ref struct Fields
    {
        /// <summary>The document's string fields the item shows, in <see cref="TextNames"/> order; the last two may be null.</summary>
        private enum Text { EntryId, Kind, OccurredAt, RecordedAt, Summary, Data, RetractedAt, RetractionReason }

        private static readonly byte[][] TextNames =
            [.. new[] { "entryId", "kind", "occurredAt", "recordedAt", "summary", "data", "retractedAt", "retractionReason" }.Select(System.Text.Encoding.UTF8.GetBytes)];

        private TextRanges texts;
        private long version, retractedInVersion;
        private bool hasVersion, hasRetractedInVersion, retracted, hasRetracted;

        public string? SortKey { get; private set; }

        public bool Read(ReadOnlySpan<byte> document)
        {
            var reader = new Utf8JsonReader(document);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                var escapedName = reader.ValueIsEscaped;
                if (!reader.Read())
                {
                    return false;
                }

                if (escapedName)
                {
                    // Not a name the API's serializer writes: the objects decide.
                    return false;
                }

                var ok = ReadField(ref reader, name);
                if (!ok)
                {
                    return false;
                }
            }

            var complete = reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0 && hasVersion && hasRetracted;
            for (var text = Text.EntryId; text <= Text.Data; text++)
            {
                complete &= Has(text);
            }

            // A retraction is written with all three of its fields; anything less goes through the objects.
            return complete && (!retracted || (hasRetractedInVersion && Has(Text.RetractedAt)));
        }

        private bool ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            for (var text = 0; text < TextNames.Length; text++)
            {
                if (name.SequenceEqual(TextNames[text]))
                {
                    return (text >= (int)Text.RetractedAt && reader.TokenType == JsonTokenType.Null) || String(ref reader, ref texts[text]);
                }
            }

            if (name.SequenceEqual("version"u8))
            {
                return hasVersion = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out version);
            }

            if (name.SequenceEqual("retracted"u8))
            {
                retracted = reader.TokenType == JsonTokenType.True;
                return hasRetracted = reader.TokenType is JsonTokenType.True or JsonTokenType.False;
            }

            if (name.SequenceEqual("retractedInVersion"u8))
            {
                return reader.TokenType == JsonTokenType.Null
                    || (hasRetractedInVersion = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out retractedInVersion));
            }

            if (name.SequenceEqual("sortKey"u8))
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    return false;
                }

                SortKey = reader.GetString();
                return true;
            }

            // The document's other fields (its id, the patient, the fingerprint) are not part of the item.
            return reader.TrySkip();
        }

        public readonly void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> document)
        {
            writer.WriteStartObject();
            WriteString(writer, EntryId, document, texts[(int)Text.EntryId]);
            WriteString(writer, Type, document, texts[(int)Text.Kind]);
            WriteString(writer, OccurredAt, document, texts[(int)Text.OccurredAt]);
            WriteString(writer, RecordedAt, document, texts[(int)Text.RecordedAt]);
            writer.WriteNumber(Version, version);
            WriteString(writer, Summary, document, texts[(int)Text.Summary]);
            writer.WriteBoolean(Retracted, retracted);
            if (retracted)
            {
                writer.WriteStartObject(Retraction);
                if (Has(Text.RetractionReason))
                {
                    WriteString(writer, Reason, document, texts[(int)Text.RetractionReason]);
                }
                else
                {
                    writer.WriteString(Reason, "");
                }

                writer.WriteNumber(Version, retractedInVersion);
                WriteString(writer, RecordedAt, document, texts[(int)Text.RetractedAt]);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull(Retraction);
            }

            writer.WritePropertyName(Data);
            byte[]? rented = null;
            writer.WriteRawValue(Unescaped(document, texts[(int)Text.Data], ref rented));
            Return(rented);
            writer.WriteEndObject();
        }

        private static bool String(ref Utf8JsonReader reader, ref Range range)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            // The token's position includes its opening quote; the range covers the (still escaped) text between the quotes.
            var start = (int)reader.TokenStartIndex + 1;
            range = new Range(start, start + reader.ValueSpan.Length);
            return true;
        }

        /// <summary>A string's range starts after its opening quote, so a field never read keeps the default 0..0.</summary>
        private readonly bool Has(Text text) => texts[(int)text].Start.Value > 0;

        private static void WriteString(Utf8JsonWriter writer, JsonEncodedText name, ReadOnlySpan<byte> document, Range range)
        {
            byte[]? rented = null;
            writer.WriteString(name, Unescaped(document, range, ref rented));
            Return(rented);
        }

        /// <summary>A string's text, unescaped: the document's own bytes when it has no escapes, else a rented copy.</summary>
        private static ReadOnlySpan<byte> Unescaped(ReadOnlySpan<byte> document, Range range, ref byte[]? rented)
        {
            var escaped = document[range];
            if (escaped.IndexOf((byte)'\\') < 0)
            {
                return escaped;
            }

            rented = ArrayPool<byte>.Shared.Rent(escaped.Length);
            return rented.AsSpan(0, Unescape(escaped, rented));
        }

        private static void Return(byte[]? rented)
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        /// <summary>The reader's own unescaping: the escaped text read again as a JSON string token.</summary>
        private static int Unescape(ReadOnlySpan<byte> escaped, byte[] into)
        {
            var quoted = ArrayPool<byte>.Shared.Rent(escaped.Length + 2);
            try
            {
                quoted[0] = (byte)'"';
                escaped.CopyTo(quoted.AsSpan(1));
                quoted[escaped.Length + 1] = (byte)'"';
                var reader = new Utf8JsonReader(quoted.AsSpan(0, escaped.Length + 2));
                reader.Read();
                return reader.CopyString(into);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(quoted);
            }
        }
    }

    [System.Runtime.CompilerServices.InlineArray(8)]
    private struct TextRanges
    {
        private Range first;
    }
}
