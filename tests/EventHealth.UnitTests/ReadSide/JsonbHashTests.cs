using System.Text;
using EventHealth.Projections;
using EventHealth.Recording;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// PostgreSQL's hash of a stored jsonb document (<c>jsonb_hash_extended(data, 0)</c>), which the projection rebuild computes
/// for each rebuilt entry document and compares with the database's for the live one (docs/read-side.md). The expected
/// values are PostgreSQL 15's own, from <c>hashtextextended</c>, <c>hash_numeric_extended</c> and <c>jsonb_hash_extended</c>;
/// the integration tests hold the hash to real stored documents as well.
/// </summary>
public sealed class JsonbHashTests
{
    [Theory]
    // Every length of the last block (0 to 11 bytes), a whole block and more, and multi-byte UTF-8.
    [InlineData("", -6939563903564495251)]
    [InlineData("a", 3591986179850072241)]
    [InlineData("ab", 2833316173711343549)]
    [InlineData("abc", -6747756470228489321)]
    [InlineData("abcd", -1038429303365892052)]
    [InlineData("abcde", 3076356108696143428)]
    [InlineData("abcdef", 290958262752763840)]
    [InlineData("abcdefg", -6158032784613548338)]
    [InlineData("abcdefgh", -8882191227074733005)]
    [InlineData("abcdefghi", -3278210106038014113)]
    [InlineData("abcdefghij", -3183301415634409076)]
    [InlineData("abcdefghijk", 3112909444737856467)]
    [InlineData("abcdefghijkl", -7556637188122330412)]
    [InlineData("abcdefghijklm", 8871624171452417744)]
    [InlineData("0123456789abcdefghijklmnopqrstuvwxyz", 2599983508539421163)]
    [InlineData("Müdigkeit 🙂", -8522646103136008468)]
    public void Hashes_bytes_as_PostgreSQL_does(string text, long expected) =>
        JsonbHash.Bytes(Encoding.UTF8.GetBytes(text)).ShouldBe(unchecked((ulong)expected));

    [Theory]
    // One base-10,000 digit, trailing zero digits (10,000 is 1 of weight 1), several digits, the largest long, zero.
    [InlineData(1, -7507508252608306360)]
    [InlineData(2, -5251165640612314918)]
    [InlineData(439, 3843557427711484760)]
    [InlineData(9999, 247439845080503643)]
    [InlineData(10000, -7507508252608306359)]
    [InlineData(10001, 8142302191801602713)]
    [InlineData(123456789, -7480115461366660630)]
    [InlineData(long.MaxValue, -3677347392575813757)]
    [InlineData(0, -1)]
    public void Hashes_integers_as_PostgreSQL_hashes_numerics(long number, long expected) =>
        JsonbHash.Number(number).ShouldBe(unchecked((ulong)expected));

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

    [Fact]
    public void Hashes_an_entry_document_from_its_fields_as_PostgreSQL_hashes_it_stored()
    {
        // An entry whose data, summary and instants hold what escapes differ on: quotes, a backslash, "+", "<&>", non-ASCII.
        var entry = Standing with
        {
            Kind = "trigger",
            OccurredAt = DateTimeOffset.Parse("2025-01-01T05:30:00+05:30", System.Globalization.CultureInfo.InvariantCulture),
            Summary = "Trigger: stress, \"Müdigkeit\" <&> C:\\temp",
            Data = """{"entryId":"00000001-0003-4000-8000-000000000002","occurredAt":"2025-01-01T05:30:00.0000000\u002B05:30","details":"M\u00FCdigkeit"}""",
        };
        // PostgreSQL's text of that document as stored (the shape of a real one, docs/read-side.md), and its jsonb_hash_extended.
        const string stored = """{"id": "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002", "data": "{\"entryId\":\"00000001-0003-4000-8000-000000000002\",\"occurredAt\":\"2025-01-01T05:30:00.0000000\\u002B05:30\",\"details\":\"M\\u00FCdigkeit\"}", "kind": "trigger", "entryId": "00000001-0003-4000-8000-000000000002", "sortKey": "0638712865200000000/00000001000340008000000000000002", "summary": "Trigger: stress, \"Müdigkeit\" <&> C:\\temp", "version": 2, "patientId": "8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5", "retracted": false, "occurredAt": "2025-01-01T05:30:00.0000000+05:30", "recordedAt": "2026-12-06T03:26:11.1615846+00:00", "fingerprint": "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab", "retractedAt": null, "retractionReason": null, "retractedInVersion": null}""";
        const long storedHash = 2629792256023123766;

        JsonbHash.Of(entry).ShouldBe(unchecked((ulong)storedHash), stored);
        JsonbHash.Of(entry with { Summary = entry.Summary + "." }).ShouldNotBe(unchecked((ulong)storedHash));
        JsonbHash.Of(entry with { Retracted = true }).ShouldNotBe(unchecked((ulong)storedHash));
        JsonbHash.Of(entry with { RetractedInVersion = 3 }).ShouldNotBe(unchecked((ulong)storedHash));
        JsonbHash.Of(entry with { RetractedAt = entry.RecordedAt }).ShouldNotBe(unchecked((ulong)storedHash));

        // Retracted, with a reason holding a quote, a line break, a dash and a control character, and numbers of several digits.
        const string retracted = """{"id": "8e6cbcdd3eb144d49c068f0fcb865bf5/00000001000340008000000000000002", "data": "{\"entryId\":\"00000001-0003-4000-8000-000000000002\",\"occurredAt\":\"2025-01-01T05:30:00.0000000\\u002B05:30\",\"details\":\"M\\u00FCdigkeit\"}", "kind": "trigger", "entryId": "00000001-0003-4000-8000-000000000002", "sortKey": "0638712865200000000/00000001000340008000000000000002", "summary": "Trigger: stress, \"Müdigkeit\" <&> C:\\temp", "version": 9223372036854775807, "patientId": "8e6cbcdd-3eb1-44d4-9c06-8f0fcb865bf5", "retracted": true, "occurredAt": "2025-01-01T05:30:00.0000000+05:30", "recordedAt": "2026-12-06T03:26:11.1615846+00:00", "fingerprint": "329ed41f77390227d49c710a73425d933fb0fa56897ddaf1e853634774585cab", "retractedAt": "2026-12-06T23:59:59.9999999+14:00", "retractionReason": "entered \"twice\"\r\nby mistake — sorry \u0001", "retractedInVersion": 10000}""";
        const long retractedHash = 7570066135114661331;
        var retraction = entry with
        {
            Version = long.MaxValue,
            Retracted = true,
            RetractedAt = DateTimeOffset.Parse("2026-12-06T23:59:59.9999999+14:00", System.Globalization.CultureInfo.InvariantCulture),
            RetractionReason = "entered \"twice\"\r\nby mistake — sorry \u0001",
            RetractedInVersion = 10000,
        };
        JsonbHash.Of(retraction).ShouldBe(unchecked((ulong)retractedHash), retracted);
    }
}
