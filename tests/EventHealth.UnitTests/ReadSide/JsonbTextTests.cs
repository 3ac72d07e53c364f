using System.Buffers;
using System.Text;
using System.Text.Json;
using EventHealth.Projections;
using EventHealth.Recording;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>The text of a document as PostgreSQL's jsonb gives it back, which the projection rebuild hashes (docs/read-side.md).</summary>
public sealed class JsonbTextTests
{
    private static string Jsonb(string json)
    {
        var output = new ArrayBufferWriter<byte>();
        JsonbTextOfJson.Write(Encoding.UTF8.GetBytes(json), output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    [Theory]
    // Keys shorter first, then in byte order; a space after ":" and ","; nested objects and arrays alike.
    [InlineData("""{"summary":"s","id":"a/b","data":"d","kind":"k","version":3}""", """{"id": "a/b", "data": "d", "kind": "k", "summary": "s", "version": 3}""")]
    [InlineData("""{"b":[1,"two",{"kk":true,"j":null}],"a":{}, "c":[]}""", """{"a": {}, "b": [1, "two", {"j": null, "kk": true}], "c": []}""")]
    [InlineData("""{"Z":1,"a":2,"é":3}""", """{"Z": 1, "a": 2, "é": 3}""")] // "é" is two bytes
    // Escapes as jsonb's text has them: \" and \\ and the short forms; other control characters in lower-case hex;
    // "+", "<&>", non-ASCII letters and the rest as they are, however System.Text.Json escaped them.
    [InlineData("""{"a":"say \u0022hi\u0022 \u002B1 \u003Cb\u003E\u0026 M\u00FCde \\ /"}""", """{"a": "say \"hi\" +1 <b>& Müde \\ /"}""")]
    [InlineData("""{"a":"line\nbreak\ttab\r\b\f\u001F\u0001"}""", """{"a": "line\nbreak\ttab\r\b\f\u001f\u0001"}""")]
    [InlineData("""{"a\u002Bb":"x"}""", """{"a+b": "x"}""")]
    [InlineData("""{"a":"smile \uD83D\uDE42"}""", """{"a": "smile 🙂"}""")] // outside the BMP: escaped by System.Text.Json, not by jsonb
    // Numbers as they were written.
    [InlineData("""{"n":-12,"d":2.50}""", """{"d": 2.50, "n": -12}""")]
    [InlineData("""[true,false,null]""", """[true, false, null]""")]
    public void Writes_what_jsonb_gives_back(string written, string stored) => Jsonb(written).ShouldBe(stored);

    /// <summary>A standing entry; the cases below vary it.</summary>
    private static readonly RecordedEntry Standing = new()
    {
        Id = "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002",
        PatientId = Guid.Parse("8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5"),
        EntryId = Guid.Parse("00000001-0003-4000-8000-000000000002"),
        Kind = "episode",
        Fingerprint = "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab",
        Version = 2,
        OccurredAt = DateTimeOffset.Parse("2025-01-01T05:30:00-03:30", System.Globalization.CultureInfo.InvariantCulture),
        RecordedAt = DateTimeOffset.Parse("2026-12-06T03:26:11.1615846+00:00", System.Globalization.CultureInfo.InvariantCulture),
        SortKey = "0638712865200000000/00000001000340008000000000000002",
        Summary = "Twitching in calf and eyelid (left), intensity 2/10, 2 s, visible",
        Data = """{"entryId":"00000001-0003-4000-8000-000000000002","occurredAt":"2025-01-01T05:30:00.0000000\u002B05:30","notes":"a \"quote\" \\ and \u00FC"}""",
    };

    public static TheoryData<RecordedEntry> Entries()
    {
        return new TheoryData<RecordedEntry>
        {
            Standing,
            // Every string holding what escapes differ on: quotes, backslashes, control characters, "+", "<&>", non-ASCII, an emoji.
            Standing with
            {
                Kind = "symptom",
                Summary = "Tingling \"pins\" <&> Müdigkeit 🙂\ttab\u0001\nline \\ C:\\temp +1",
                Data = "{}",
                SortKey = "",
                Version = long.MaxValue,
            },
            Standing with
            {
                Retracted = true,
                RetractedInVersion = 17,
                RetractedAt = DateTimeOffset.Parse("2026-12-06T23:59:59.9999999+14:00", System.Globalization.CultureInfo.InvariantCulture),
                RetractionReason = "entered \"twice\"\r\nby mistake — sorry",
            },
            Standing with { Retracted = true, RetractedInVersion = 3, RetractedAt = DateTimeOffset.UnixEpoch, RetractionReason = "" },
        };
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void An_entry_document_is_written_from_its_fields_as_from_its_serialized_JSON(RecordedEntry entry)
    {
        var direct = new ArrayBufferWriter<byte>();
        JsonbText.Write(entry, direct);

        Encoding.UTF8.GetString(direct.WrittenSpan).ShouldBe(Jsonb(JsonSerializer.Serialize(entry, EventHealth.Http.JsonSetup.Options)));
    }

    [Fact]
    public void A_rebuilt_entry_document_is_written_as_PostgreSQL_gives_its_stored_text_back()
    {
        // An entry whose data, summary and instants hold what escapes differ on: quotes, a backslash, "+", "<&>", non-ASCII.
        var entry = Standing with
        {
            Kind = "trigger",
            OccurredAt = DateTimeOffset.Parse("2025-01-01T05:30:00+05:30", System.Globalization.CultureInfo.InvariantCulture),
            Summary = "Trigger: stress, \"Müdigkeit\" <&> C:\\temp",
            Data = """{"entryId":"00000001-0003-4000-8000-000000000002","occurredAt":"2025-01-01T05:30:00.0000000\u002B05:30","details":"M\u00FCdigkeit"}""",
        };
        // PostgreSQL's text of that document as stored (the shape of a real one, docs/read-side.md).
        const string stored = """{"id": "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002", "data": "{\"entryId\":\"00000001-0003-4000-8000-000000000002\",\"occurredAt\":\"2025-01-01T05:30:00.0000000\\u002B05:30\",\"details\":\"M\\u00FCdigkeit\"}", "kind": "trigger", "entryId": "00000001-0003-4000-8000-000000000002", "sortKey": "0638712865200000000/00000001000340008000000000000002", "summary": "Trigger: stress, \"Müdigkeit\" <&> C:\\temp", "version": 2, "patientId": "8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5", "retracted": false, "occurredAt": "2025-01-01T05:30:00.0000000+05:30", "recordedAt": "2026-12-06T03:26:11.1615846+00:00", "fingerprint": "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab", "retractedAt": null, "retractionReason": null, "retractedInVersion": null}""";

        RebuiltEntries.DigestOf(entry).ShouldBe(RebuiltEntries.DigestOfStored(Encoding.UTF8.GetBytes(stored)));
        RebuiltEntries.DigestOf(entry with { Summary = entry.Summary + "." }).ShouldNotBe(RebuiltEntries.DigestOfStored(Encoding.UTF8.GetBytes(stored)));
    }
}
