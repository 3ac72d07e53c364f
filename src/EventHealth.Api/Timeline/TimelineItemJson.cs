using System.Buffers;
using System.Buffers.Text;
using System.Data.Common;
using System.Text.Json;

namespace EventHealth.Timeline;

/// <summary>
/// A live timeline page's items written from the fields PostgreSQL extracts from each stored
/// <see cref="Recording.RecordedEntry"/> document (<see cref="Columns"/>: <c>data ->> 'field'</c>, a string's value
/// unescaped, a number's or a boolean's JSON text), the bytes <see cref="System.Text.Json"/> gives for
/// <c>TimelineItem.Of(entry)</c> without materialising either object: strings written with the API's escaping, instants
/// and ids as the API's own serializer stored them, the entry's <c>data</c> as its stored text (<see cref="RecordedData"/>).
/// Whole documents cost PostgreSQL their text (jsonb escaping each quote of the entry's <c>data</c>) and the API a JSON
/// reader over each to find the fields and unescape them again: extracting the fields took PostgreSQL's page statement
/// from about 5,300 to 8,600–9,200 pages/s alone (docs/benchmarks.md, issue 23's eighteenth pass). A page with a
/// document of another shape (an old one missing a field, say) is read again whole and goes through the objects
/// (<see cref="Hosting.EventStoreQueries.TimelinePageAsync"/>), so the answer is the same.
/// </summary>
public static class TimelineItemJson
{
    /// <summary>The document's fields an item shows, and the sort key the cursor needs, in <see cref="Names"/> order.</summary>
    private enum Field { EntryId, Kind, OccurredAt, RecordedAt, Version, Summary, Retracted, RetractionReason, RetractedInVersion, RetractedAt, Data, SortKey }

    /// <summary>
    /// The document's fields <see cref="Columns"/> extracts, in order: the <see cref="Field"/> names as the API's
    /// serializer names <see cref="Recording.RecordedEntry"/>'s properties.
    /// </summary>
    internal static readonly string[] Names = [.. Enum.GetNames<Field>().Select(JsonNamingPolicy.CamelCase.ConvertName)];

    private static readonly int FieldCount = Names.Length;

    /// <summary>The page statement's select list over the entry documents' <c>data</c> column, read by <see cref="Rows.Add(DbDataReader)"/>.</summary>
    public static readonly string Columns = string.Join(", ", Names.Select(name => $"data ->> '{name}'"));

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
    /// A page's rows of <see cref="Columns"/>, their text in one pooled buffer (a page of 500 items would otherwise be
    /// an array on the large-object heap). Disposing returns the buffer.
    /// </summary>
    public sealed class Rows : IDisposable
    {
        /// <summary>About what an item's fields take (600–900 bytes), so that a page's text fits its first buffer.</summary>
        private const int BytesPerRow = 1024;

        private byte[] _text;
        private int _used;

        /// <summary>Each row's fields as ranges of <see cref="_text"/>, <see cref="FieldCount"/> per row; a null field is an empty range at -1.</summary>
        private readonly List<(int Start, int Length)> _fields;

        private readonly List<(long Version, bool Retracted, long RetractedInVersion)> _values;

        /// <param name="expected">How many rows a page reads at most, so that the lists are allocated once.</param>
        public Rows(int expected = 0)
        {
            _text = ArrayPool<byte>.Shared.Rent(Math.Max(expected, 4) * BytesPerRow);
            _fields = new(expected * FieldCount);
            _values = new(expected);
        }

        public int Count => _values.Count;

        /// <summary>
        /// Whether every row holds what its item needs: the item's strings and sort key, a version, a retraction with its
        /// version and time. A document of another shape makes the whole page go through the objects.
        /// </summary>
        public bool Complete { get; private set; } = true;

        /// <summary>Adds the reader's current row (<see cref="Columns"/>, in order).</summary>
        public void Add(DbDataReader reader)
        {
            for (var field = 0; field < FieldCount; field++)
            {
                if (reader.IsDBNull(field))
                {
                    _fields.Add((-1, 0));
                    continue;
                }

                var length = (int)reader.GetBytes(field, 0, null, 0, 0);
                // After Append: it may have moved the text to a larger buffer.
                var start = Append(length);
                reader.GetBytes(field, 0, _text, start, length);
            }

            Check();
        }

        /// <summary>Adds a row of <see cref="Columns"/>' text (null for SQL null), as a reader would give it.</summary>
        public void Add(IReadOnlyList<byte[]?> fields)
        {
            for (var field = 0; field < FieldCount; field++)
            {
                if (fields[field] is not { } text)
                {
                    _fields.Add((-1, 0));
                    continue;
                }

                var start = Append(text.Length);
                text.CopyTo(_text, start);
            }

            Check();
        }

        /// <summary>Writes row <paramref name="row"/>'s item with the writer's escaping (the rows must be <see cref="Complete"/>).</summary>
        public void Write(Utf8JsonWriter writer, int row)
        {
            var (version, retracted, retractedInVersion) = _values[row];
            writer.WriteStartObject();
            writer.WriteString(EntryId, Text(row, Field.EntryId));
            writer.WriteString(Type, Text(row, Field.Kind));
            writer.WriteString(OccurredAt, Text(row, Field.OccurredAt));
            writer.WriteString(RecordedAt, Text(row, Field.RecordedAt));
            writer.WriteNumber(Version, version);
            writer.WriteString(Summary, Text(row, Field.Summary));
            writer.WriteBoolean(Retracted, retracted);
            if (retracted)
            {
                writer.WriteStartObject(Retraction);
                // An empty range when there is no reason: the objects write "".
                writer.WriteString(Reason, Text(row, Field.RetractionReason));
                writer.WriteNumber(Version, retractedInVersion);
                writer.WriteString(RecordedAt, Text(row, Field.RetractedAt));
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull(Retraction);
            }

            writer.WritePropertyName(Data);
            writer.WriteRawValue(Text(row, Field.Data));
            writer.WriteEndObject();
        }

        /// <summary>Row <paramref name="row"/>'s sort key, for the cursor after it: decoded for the item a page ends with only.</summary>
        public string SortKey(int row) => System.Text.Encoding.UTF8.GetString(Text(row, Field.SortKey));

        /// <summary>Returns the buffer once, however often it is called (an answer that failed and the endpoint both may).</summary>
        public void Dispose()
        {
            if (_text.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_text);
                _text = [];
            }
        }

        private void Check()
        {
            var row = Count;
            var strings = true;
            foreach (var field in (ReadOnlySpan<Field>)[Field.EntryId, Field.Kind, Field.OccurredAt, Field.RecordedAt, Field.Summary, Field.Data, Field.SortKey])
            {
                strings &= !IsNull(row, field);
            }

            var hasVersion = Integer(row, Field.Version, out var version);
            var retracted = Text(row, Field.Retracted).SequenceEqual("true"u8);
            var hasRetracted = retracted || Text(row, Field.Retracted).SequenceEqual("false"u8);
            // A retraction is written with its version and time; anything less goes through the objects.
            var retractedInVersion = 0L;
            var retraction = !retracted || (Integer(row, Field.RetractedInVersion, out retractedInVersion) && !IsNull(row, Field.RetractedAt));
            Complete &= strings && hasVersion && hasRetracted && retraction;
            _values.Add((version, retracted, retractedInVersion));
        }

        /// <summary>A null field reads as empty text, which is no integer.</summary>
        private bool Integer(int row, Field field, out long value)
        {
            var text = Text(row, field);
            return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
        }

        private bool IsNull(int row, Field field) => _fields[(row * FieldCount) + (int)field].Start < 0;

        private ReadOnlySpan<byte> Text(int row, Field field)
        {
            var (start, length) = _fields[(row * FieldCount) + (int)field];
            return start < 0 ? [] : _text.AsSpan(start, length);
        }

        /// <summary>Makes room for the next field's <paramref name="length"/> bytes and records its range; answers where they go.</summary>
        private int Append(int length)
        {
            if (_used + length > _text.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_text.Length * 2, _used + length));
                _text.AsSpan(0, _used).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_text);
                _text = larger;
            }

            var start = _used;
            _fields.Add((start, length));
            _used += length;
            return start;
        }
    }
}
