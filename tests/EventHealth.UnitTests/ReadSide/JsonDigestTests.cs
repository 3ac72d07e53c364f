using System.Text;
using EventHealth.Projections;
using EventHealth.Recording;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>The digests the projection rebuild matches rebuilt and live entry documents by (docs/read-side.md).</summary>
public sealed class JsonDigestTests
{
    private static UInt128 Digest(string json) => JsonDigest.Of(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void The_same_value_with_members_in_another_order_and_other_spacing_digests_alike()
    {
        // As System.Text.Json writes a document, and as PostgreSQL gives its jsonb back (keys by length, spaces).
        const string written = """{"summary":"Cramp in calf","id":"a/b","data":"{\"x\":1}","list":[1,"two",{"k":true,"j":null}],"version":3}""";
        const string stored = """{"id": "a/b", "data": "{\"x\":1}", "list": [1, "two", {"j": null, "k": true}], "summary": "Cramp in calf", "version": 3}""";

        Digest(stored).ShouldBe(Digest(written));
    }

    [Theory]
    [InlineData("""{"a":"x","b":1}""", """{"a":"y","b":1}""")] // a string
    [InlineData("""{"a":"x","b":1}""", """{"a":"x","b":2}""")] // a number
    [InlineData("""{"a":true}""", """{"a":false}""")]
    [InlineData("""{"a":null}""", """{"a":"null"}""")]
    [InlineData("""{"a":"x","b":1}""", """{"a":"x"}""")] // a member missing
    [InlineData("""{"a":"x"}""", """{"a":"x","c":null}""")] // a member more
    [InlineData("""{"a":"x","b":"y"}""", """{"a":"y","b":"x"}""")] // values swapped between members
    [InlineData("""{"a":"b"}""", """{"b":"a"}""")] // a name for a value
    [InlineData("""{"ab":""}""", """{"a":"b"}""")] // where the name ends
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")] // an array's order
    [InlineData("""{"a":[1]}""", """{"a":[1,1]}""")]
    [InlineData("""{"a":{"b":1}}""", """{"a":{"b":1,"c":1}}""")] // inside a nested object
    [InlineData("""{"a":"b"}""", """["a","b"]""")]
    [InlineData("""{"a":1}""", """{"a":"1"}""")] // a number is not its text
    public void Another_value_digests_otherwise(string one, string other) => Digest(other).ShouldNotBe(Digest(one));

    [Fact]
    public void A_string_counts_as_written_so_another_escape_sends_the_pair_to_the_full_comparison()
    {
        Digest("""{"a":"say \"hi\""}""").ShouldNotBe(Digest("""{"a":"say \u0022hi\u0022"}"""));
        Digest("""{"n":1.0}""").ShouldNotBe(Digest("""{"n":1}"""));
    }

    [Fact]
    public void A_rebuilt_entry_document_digests_as_its_stored_text_reads()
    {
        // An entry whose data, summary and instants hold what escapes differ on: quotes, a backslash, "+", "<&>", non-ASCII.
        var entry = new RecordedEntry
        {
            Id = "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002",
            PatientId = Guid.Parse("8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5"),
            EntryId = Guid.Parse("00000001-0003-4000-8000-000000000002"),
            Kind = "trigger",
            Fingerprint = "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab",
            Version = 2,
            OccurredAt = DateTimeOffset.Parse("2025-01-01T05:30:00+05:30", System.Globalization.CultureInfo.InvariantCulture),
            RecordedAt = DateTimeOffset.Parse("2026-12-06T03:26:11.1615846+00:00", System.Globalization.CultureInfo.InvariantCulture),
            SortKey = "0638712865200000000/00000001000340008000000000000002",
            Summary = "Trigger: stress, \"Müdigkeit\" <&> C:\\temp",
            Data = """{"entryId":"00000001-0003-4000-8000-000000000002","occurredAt":"2025-01-01T05:30:00.0000000\u002B05:30","details":"M\u00FCdigkeit"}""",
        };
        // PostgreSQL's text of that document as stored (jsonb_out: keys by length then bytes, its own escapes).
        const string stored = """{"id": "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002", "data": "{\"entryId\":\"00000001-0003-4000-8000-000000000002\",\"occurredAt\":\"2025-01-01T05:30:00.0000000\\u002B05:30\",\"details\":\"M\\u00FCdigkeit\"}", "kind": "trigger", "entryId": "00000001-0003-4000-8000-000000000002", "sortKey": "0638712865200000000/00000001000340008000000000000002", "summary": "Trigger: stress, \"Müdigkeit\" <&> C:\\temp", "version": 2, "patientId": "8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5", "retracted": false, "occurredAt": "2025-01-01T05:30:00.0000000+05:30", "recordedAt": "2026-12-06T03:26:11.1615846+00:00", "fingerprint": "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab", "retractedAt": null, "retractionReason": null, "retractedInVersion": null}""";

        RebuiltEntries.DigestOf(entry).ShouldBe(Digest(stored));
        RebuiltEntries.DigestOf(entry with { Summary = entry.Summary + "." }).ShouldNotBe(Digest(stored));
    }
}
