using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>A timeline item written from its stored document is byte for byte the item the objects give.</summary>
public sealed class TimelineItemJsonTests
{
    private static readonly Guid Patient = Guid.Parse("0193a1b2-0000-7000-8000-00000000beef");

    private static RecordedEntry Entry(string summary = "Twitching in calf (left), intensity 4/10, 30 s", string? data = null)
    {
        var entryId = Guid.Parse("0193a1b2-1111-7000-8000-000000000001");
        var occurredAt = new DateTimeOffset(2026, 11, 30, 21, 15, 7, TimeSpan.FromHours(2)).AddTicks(1234567);
        return new RecordedEntry
        {
            Id = RecordedEntry.IdFor(Patient, entryId),
            PatientId = Patient,
            EntryId = entryId,
            Kind = "episode",
            Fingerprint = "3f1c",
            Version = 42,
            OccurredAt = occurredAt,
            RecordedAt = new DateTimeOffset(2026, 12, 1, 6, 0, 0, TimeSpan.Zero),
            SortKey = RecordedEntry.SortKeyFor(occurredAt, entryId),
            Summary = summary,
            Data = data ?? JsonSerializer.Serialize(new { entryId, bodyRegions = new[] { "calf" }, intensity = 4, note = "Café \"after\" <the> run\tand 😀" }, JsonSetup.Options),
        };
    }

    /// <summary>The API's dialect as stored (default escaping) and as HTTP answers write it (ASP.NET's relaxed escaping).</summary>
    private static readonly JsonSerializerOptions Stored = JsonSetup.Options;
    private static readonly JsonSerializerOptions Answered = new(JsonSetup.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string, bool> Entries()
    {
        var plain = Entry();
        var retracted = plain.Retract(new JasperFx.Events.Event<EntryRetracted>(new EntryRetracted(plain.EntryId, "entered twice — “sorry”")) { Version = 43, Timestamp = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero) });
        string[] documents =
        [
            Serialize(plain),
            Serialize(Entry(summary: "Crampe au mollet <gauche> & \"droite\"\n\\ fin")),
            Serialize(retracted),
            Serialize(retracted with { RetractionReason = null }),
            Serialize(Entry(data: "{\"a\":[1,2.50,{\"b\":null}],\"c\":\"\\u00e9\\\"\"}")),
        ];
        var data = new TheoryData<string, bool>();
        foreach (var document in documents)
        {
            data.Add(document, false);
            data.Add(document, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Writes_the_bytes_the_objects_give(string stored, bool answered)
    {
        var options = answered ? Answered : Stored;
        var (written, sortKey) = Transcode(stored, options);

        TimelineItemJson.IsDirect(System.Text.Encoding.UTF8.GetBytes(stored)).ShouldBeTrue();
        var entry = JsonSerializer.Deserialize<RecordedEntry>(stored, JsonSetup.Options)!;
        written.ShouldBe(JsonSerializer.Serialize(TimelineItem.Of(entry), options));
        sortKey.ShouldBe(entry.SortKey);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void Reads_documents_as_PostgreSQL_gives_them_back(string stored, bool answered)
    {
        var options = answered ? Answered : Stored;
        // jsonb hands documents back with its own key order, spacing and escaping (raw non-ASCII text).
        var node = JsonNode.Parse(stored)!.AsObject();
        var reordered = new JsonObject(node.OrderBy(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
        var asStored = reordered.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

        TimelineItemJson.IsDirect(System.Text.Encoding.UTF8.GetBytes(asStored)).ShouldBeTrue();
        Transcode(asStored, options).Json.ShouldBe(Transcode(stored, options).Json);
    }

    [Fact]
    public void A_document_of_another_shape_goes_through_the_objects()
    {
        // Written before the sort key and the retraction fields existed.
        var node = JsonNode.Parse(Serialize(Entry()))!.AsObject();
        node.Remove("sortKey");
        node.Remove("retracted");
        node.Remove("summary");
        var stored = node.ToJsonString();

        var entry = JsonSerializer.Deserialize<RecordedEntry>(stored, JsonSetup.Options)!;
        var (written, sortKey) = Transcode(stored, Stored);

        TimelineItemJson.IsDirect(System.Text.Encoding.UTF8.GetBytes(stored)).ShouldBeFalse();
        written.ShouldBe(JsonSerializer.Serialize(TimelineItem.Of(entry), JsonSetup.Options));
        sortKey.ShouldBe("");
    }

    private static string Serialize(RecordedEntry entry) => JsonSerializer.Serialize(entry, JsonSetup.Options);

    private static (string Json, string SortKey) Transcode(string stored, JsonSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var document = System.Text.Encoding.UTF8.GetBytes(stored);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder }))
        {
            TimelineItemJson.Write(writer, document, options);
        }

        return (System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan), TimelineItemJson.SortKeyOf(document, options));
    }
}
