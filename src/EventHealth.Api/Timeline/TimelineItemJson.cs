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
    /// escaping, which must be <paramref name="options"/>' (the objects' way is serialized with them).
    /// </summary>
    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> document, JsonSerializerOptions options)
    {
        // Not a using declaration: its variable would be read-only, and reading mutates the fields.
        var fields = new Fields();
        try
        {
            if (fields.Read(document))
            {
                fields.Write(writer, document);
                return;
            }
        }
        finally
        {
            fields.Dispose();
        }

        JsonSerializer.Serialize(writer, TimelineItem.Of(Entry(document, options)), options);
    }

    /// <summary>
    /// The sort key of <paramref name="document"/>, for the cursor after it: read from the one item a page ends with,
    /// not decoded for every item written.
    /// </summary>
    public static string SortKeyOf(ReadOnlySpan<byte> document, JsonSerializerOptions options)
    {
        var fields = new Fields();
        try
        {
            return fields.Read(document) ? fields.SortKey(document) : Entry(document, options).SortKey;
        }
        finally
        {
            fields.Dispose();
        }
    }

    private static RecordedEntry Entry(ReadOnlySpan<byte> document, JsonSerializerOptions options) =>
        JsonSerializer.Deserialize<RecordedEntry>(document, options) ?? throw new JsonException("A stored entry document is null.");

    /// <summary>Whether <paramref name="document"/> is written from its bytes (else through the objects).</summary>
    public static bool IsDirect(ReadOnlySpan<byte> document)
    {
        var fields = new Fields();
        try
        {
            return fields.Read(document);
        }
        finally
        {
            fields.Dispose();
        }
    }

    /// <summary>
    /// Where each field's value lies, read in one pass in any key order: a string without escapes as its range in the
    /// document, an escaped one (an entry's <c>data</c> is JSON text, full of <c>\"</c>) unescaped once by the reader that
    /// validated it, into a pooled buffer. Unescaping it again later through a second reader validated the text a second
    /// time (docs/benchmarks.md, issue 23's seventeenth pass). Disposing returns the buffer.
    /// </summary>
    private ref struct Fields : IDisposable
    {
        /// <summary>
        /// The document's string fields the item shows and the sort key, in <see cref="TextNames"/> order; the last two may
        /// be null.
        /// </summary>
        private enum Text { EntryId, Kind, OccurredAt, RecordedAt, Summary, Data, SortKey, RetractedAt, RetractionReason }

        private static readonly byte[][] TextNames =
            [.. new[] { "entryId", "kind", "occurredAt", "recordedAt", "summary", "data", "sortKey", "retractedAt", "retractionReason" }.Select(System.Text.Encoding.UTF8.GetBytes)];

        private TextRanges texts;

        /// <summary>Bits by <see cref="Text"/>: which strings were read, and which of those lie unescaped in <see cref="unescaped"/>.</summary>
        private int present, inUnescaped;

        private byte[]? unescaped;
        private int unescapedLength, documentLength;
        private long version, retractedInVersion;
        private bool hasVersion, hasRetractedInVersion, retracted, hasRetracted;

        /// <summary>The sort key (a document read by <see cref="Read"/> has one).</summary>
        public readonly string SortKey(ReadOnlySpan<byte> document) => System.Text.Encoding.UTF8.GetString(TextOf(document, Text.SortKey));

        public bool Read(ReadOnlySpan<byte> document)
        {
            documentLength = document.Length;
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
            for (var text = Text.EntryId; text <= Text.SortKey; text++)
            {
                complete &= Has(text);
            }

            // A retraction is written with all three of its fields; anything less goes through the objects.
            return complete && (!retracted || (hasRetractedInVersion && Has(Text.RetractedAt)));
        }

        public readonly void Dispose()
        {
            if (unescaped is not null)
            {
                ArrayPool<byte>.Shared.Return(unescaped);
            }
        }

        private bool ReadField(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            for (var text = 0; text < TextNames.Length; text++)
            {
                if (name.SequenceEqual(TextNames[text]))
                {
                    return (text >= (int)Text.RetractedAt && reader.TokenType == JsonTokenType.Null) || String(ref reader, (Text)text);
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

            // The document's other fields (its id, the patient, the fingerprint) are not part of the item.
            return reader.TrySkip();
        }

        public readonly void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> document)
        {
            writer.WriteStartObject();
            writer.WriteString(EntryId, TextOf(document, Text.EntryId));
            writer.WriteString(Type, TextOf(document, Text.Kind));
            writer.WriteString(OccurredAt, TextOf(document, Text.OccurredAt));
            writer.WriteString(RecordedAt, TextOf(document, Text.RecordedAt));
            writer.WriteNumber(Version, version);
            writer.WriteString(Summary, TextOf(document, Text.Summary));
            writer.WriteBoolean(Retracted, retracted);
            if (retracted)
            {
                writer.WriteStartObject(Retraction);
                writer.WriteString(Reason, Has(Text.RetractionReason) ? TextOf(document, Text.RetractionReason) : []);
                writer.WriteNumber(Version, retractedInVersion);
                writer.WriteString(RecordedAt, TextOf(document, Text.RetractedAt));
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull(Retraction);
            }

            writer.WritePropertyName(Data);
            writer.WriteRawValue(TextOf(document, Text.Data));
            writer.WriteEndObject();
        }

        private bool String(ref Utf8JsonReader reader, Text text)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            var bit = 1 << (int)text;
            present |= bit;
            if (!reader.ValueIsEscaped)
            {
                // The token's position includes its opening quote; the range covers the text between the quotes.
                var start = (int)reader.TokenStartIndex + 1;
                texts[(int)text] = new Range(start, start + reader.ValueSpan.Length);
                return true;
            }

            // Unescaped text is never longer than the escaped, so the document's length holds every string of it.
            unescaped ??= ArrayPool<byte>.Shared.Rent(documentLength);
            var length = reader.CopyString(unescaped.AsSpan(unescapedLength));
            texts[(int)text] = new Range(unescapedLength, unescapedLength + length);
            unescapedLength += length;
            inUnescaped |= bit;
            return true;
        }

        private readonly bool Has(Text text) => (present & (1 << (int)text)) != 0;

        /// <summary>A string field's text, unescaped: where it lies in the document, or in the buffer it was unescaped into.</summary>
        private readonly ReadOnlySpan<byte> TextOf(ReadOnlySpan<byte> document, Text text) =>
            (inUnescaped & (1 << (int)text)) != 0 ? unescaped.AsSpan(texts[(int)text]) : document[texts[(int)text]];
    }

    [System.Runtime.CompilerServices.InlineArray(9)]
    private struct TextRanges
    {
        private Range first;
    }
}
