using System.Buffers;

namespace EventHealth.Projections;

/// <summary>
/// The text PostgreSQL gives back for a jsonb value (jsonb_out), for the entry documents the projection rebuild builds:
/// object keys sorted by their length in bytes and then by their bytes, a space after each ":" and ",", and strings
/// escaped as jsonb's text escapes them (a quote as \", a backslash as \\, \b \f \n \r \t, other control characters as
/// \u00xx in lower case; "+", "&lt;", non-ASCII letters and every other character as they are). The rebuild writes each
/// rebuilt entry document this way and hashes it, so that a live document's text is hashed as it arrives, without being
/// parsed (<see cref="RebuiltEntries"/>). A text that differs for any reason (a document written with other fields by an
/// older version, say) only sends the document to the full comparison, which has the last word.
/// </summary>
internal static class JsonbText
{
    /// <summary>
    /// Writes the jsonb text of an entry document as Marten stores it (<see cref="Recording.RecordedEntry"/> serialized with
    /// the API's dialect: camelCase names, nulls written, instants as "O") straight from its fields, in jsonb's key order.
    /// The same text as jsonb gives back for the serialized document (JsonbTextTests hold it to a general rewrite of that JSON):
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

    /// <summary>Writes unescaped UTF-8 text escaped as jsonb's text escapes it (PostgreSQL's escape_json).</summary>
    internal static void Escaped(ReadOnlySpan<byte> text, ArrayBufferWriter<byte> output)
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
