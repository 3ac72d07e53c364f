using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>A timeline item written from the fields PostgreSQL extracts from its stored document is byte for byte the item the objects give.</summary>
public sealed class TimelineItemJsonTests
{
    private static readonly Guid Patient = Guid.Parse("0193a1b2-0000-7000-8000-00000000beef");

    private static RecordedEntry Entry(string summary = "Twitching in calf (left), intensity 4/10, 30 s", string? data = null, int entry = 1)
    {
        var entryId = Guid.Parse($"0193a1b2-1111-7000-8000-{entry:D12}");
        var occurredAt = new DateTimeOffset(2026, 11, 30, 21, 15, 7, TimeSpan.FromHours(2)).AddTicks(1234567).AddMinutes(entry);
        return new RecordedEntry
        {
            Id = RecordedEntry.IdFor(Patient, entryId),
            PatientId = Patient,
            EntryId = entryId,
            Kind = "episode",
            Fingerprint = "3f1c",
            Version = 41 + entry,
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

    private static RecordedEntry Retracted(RecordedEntry entry, string reason = "entered twice — “sorry”") =>
        entry.Retract(new JasperFx.Events.Event<EntryRetracted>(new EntryRetracted(entry.EntryId, reason)) { Version = 43, Timestamp = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero) });

    public static TheoryData<string, bool> Entries()
    {
        var plain = Entry();
        string[] documents =
        [
            Serialize(plain),
            Serialize(Entry(summary: "Crampe au mollet <gauche> & \"droite\"\n\\ fin")),
            Serialize(Retracted(plain)),
            Serialize(Retracted(plain) with { RetractionReason = null }),
            Serialize(Retracted(plain, "a line\nbreak, a \u0001 control and a \"quote\"")),
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
        using var rows = new TimelineItemJson.Rows(1);
        rows.Add(Extracted(stored));

        rows.Complete.ShouldBeTrue();
        var entry = JsonSerializer.Deserialize<RecordedEntry>(stored, JsonSetup.Options)!;
        Written(rows, 0, options).ShouldBe(JsonSerializer.Serialize(TimelineItem.Of(entry), options));
        rows.SortKey(0).ShouldBe(entry.SortKey);
    }

    [Fact]
    public void A_page_larger_than_its_first_buffer_keeps_every_row()
    {
        var entries = Enumerable.Range(1, 600).Select(i => i % 3 == 0 ? Retracted(Entry(entry: i)) : Entry(entry: i)).ToList();
        // One row expected: the text outgrows the first buffer several times.
        using var rows = new TimelineItemJson.Rows(1);
        foreach (var entry in entries)
        {
            rows.Add(Extracted(Serialize(entry)));
        }

        rows.Complete.ShouldBeTrue();
        rows.Count.ShouldBe(600);
        for (var i = 0; i < entries.Count; i++)
        {
            Written(rows, i, Answered).ShouldBe(JsonSerializer.Serialize(TimelineItem.Of(entries[i]), Answered));
            rows.SortKey(i).ShouldBe(entries[i].SortKey);
        }
    }

    [Theory]
    [InlineData("entryId")]
    [InlineData("kind")]
    [InlineData("occurredAt")]
    [InlineData("recordedAt")]
    [InlineData("version")]
    [InlineData("summary")]
    [InlineData("retracted")]
    [InlineData("data")]
    [InlineData("sortKey")]
    public void A_document_without_a_field_an_item_needs_makes_the_page_go_through_the_objects(string missing)
    {
        // Written before the field existed: ->> gives null.
        var node = JsonNode.Parse(Serialize(Entry()))!.AsObject();
        node.Remove(missing);
        using var rows = new TimelineItemJson.Rows(2);
        rows.Add(Extracted(Serialize(Entry(entry: 2))));
        rows.Add(Extracted(node.ToJsonString()));

        rows.Complete.ShouldBeFalse();
    }

    [Fact]
    public void A_retraction_without_its_version_or_time_goes_through_the_objects()
    {
        var withoutVersion = JsonNode.Parse(Serialize(Retracted(Entry())))!.AsObject();
        withoutVersion["retractedInVersion"] = null;
        var withoutTime = JsonNode.Parse(Serialize(Retracted(Entry())))!.AsObject();
        withoutTime.Remove("retractedAt");
        var fractionalVersion = JsonNode.Parse(Serialize(Entry()))!.AsObject();
        fractionalVersion["version"] = 42.5;

        foreach (var document in new[] { withoutVersion, withoutTime, fractionalVersion })
        {
            using var rows = new TimelineItemJson.Rows();
            rows.Add(Extracted(document.ToJsonString()));
            rows.Complete.ShouldBeFalse();
        }
    }

    [Fact]
    public void The_select_list_extracts_the_fields_in_the_order_the_rows_read_them()
    {
        TimelineItemJson.Columns.ShouldStartWith("data ->> 'entryId', data ->> 'kind', ");
        TimelineItemJson.Columns.Split(", ").Length.ShouldBe(TimelineItemJson.Names.Length);
    }

    private static string Serialize(RecordedEntry entry) => JsonSerializer.Serialize(entry, JsonSetup.Options);

    /// <summary>What <c>data ->> 'field'</c> gives for each of the columns: a string's value, another value's JSON text, null for JSON null or no field.</summary>
    private static byte[]?[] Extracted(string stored)
    {
        var document = JsonNode.Parse(stored)!.AsObject();
        return [.. TimelineItemJson.Names.Select(name => document[name] switch
        {
            null => null,
            JsonValue value when value.GetValueKind() == JsonValueKind.String => System.Text.Encoding.UTF8.GetBytes(value.GetValue<string>()),
            var value => System.Text.Encoding.UTF8.GetBytes(value.ToJsonString()),
        })];
    }

    private static string Written(TimelineItemJson.Rows rows, int row, JsonSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder }))
        {
            rows.Write(writer, row);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
