using System.Text;
using EventHealth.Hosting;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.Recording;

/// <summary>The server-side facts stored beside each event, read back however the event log's reader typed them. ops/test
/// runs these a second time in a time zone that is not UTC (the category).</summary>
[Trait("Category", "LocalTimeZone")]
public sealed class EventMetadataTests
{
    private static readonly DateTimeOffset Recorded = DateTimeOffset.Parse("2026-12-06T13:17:10.5901423+00:00", System.Globalization.CultureInfo.InvariantCulture);

    private static Event<EntryRetracted> EventWith(object? recordedAt)
    {
        var @event = new Event<EntryRetracted>(new EntryRetracted(Guid.NewGuid(), "reason")) { Timestamp = Recorded.AddSeconds(3) };
        if (recordedAt is not null)
        {
            @event.SetHeader(EventMetadata.RecordedAtHeader, recordedAt);
        }

        return @event;
    }

    public static TheoryData<object> RecordedAtHeaders() => new()
    {
        Recorded, // as the write path sets it
        Recorded.UtcDateTime, // Kind Utc
        Recorded.LocalDateTime, // Kind Local: how Marten's header converter reads a string with an offset
        "2026-12-06T13:17:10.5901423+00:00", // a string, as a reader that keeps headers as text gives it
        "2026-12-06T14:47:10.5901423+01:30", // the round-trip format in another offset
        "2026-12-06T13:17:10.5901423Z", // other spellings of the instant take the general parse
        "2026-12-06 13:17:10.5901423 +00:00",
        System.Text.Json.JsonSerializer.SerializeToElement("2026-12-06T13:17:10.5901423+00:00"),
    };

    [Theory]
    [MemberData(nameof(RecordedAtHeaders))]
    public void RecordedAt_is_the_instant_the_header_holds_however_it_was_read(object header) =>
        EventMetadata.RecordedAt(EventWith(header)).ShouldBe(Recorded);

    [Fact]
    public void RecordedAt_falls_back_to_the_database_timestamp_without_the_header() =>
        EventMetadata.RecordedAt(EventWith(null)).ShouldBe(Recorded.AddSeconds(3));

    [Fact]
    public void Stored_headers_keep_strings_as_strings_but_a_round_trip_recordedAt_and_type_the_rest()
    {
        var headers = StoredEvents.Headers(Encoding.UTF8.GetBytes(
            """{"clientId": "phone-7", "recordedAt": "2026-12-06T13:17:10.5901423+00:00", "masked": true, "n": 3, "x": 1.5, "none": null, "o": {"a": [1]}}"""))!;

        headers["clientId"].ShouldBe("phone-7");
        headers["recordedAt"].ShouldBe(Recorded);
        headers["masked"].ShouldBe(true);
        headers["n"].ShouldBe(3L);
        headers["x"].ShouldBe(1.5);
        headers["none"].ShouldBeNull();
        headers["o"].ShouldBeOfType<System.Text.Json.JsonElement>().GetProperty("a")[0].GetInt32().ShouldBe(1);
        var @event = EventWith(null);
        @event.Headers = headers;
        EventMetadata.RecordedAt(@event).ShouldBe(Recorded);
        EventMetadata.ClientId(@event).ShouldBe("phone-7");
    }

    [Fact]
    public void A_stored_round_trip_recordedAt_keeps_its_offset()
    {
        var headers = StoredEvents.Headers(Encoding.UTF8.GetBytes("""{"recordedAt": "2026-12-06T14:47:10.5901423+01:30"}"""))!;

        var recordedAt = headers["recordedAt"].ShouldBeOfType<DateTimeOffset>();
        recordedAt.ShouldBe(Recorded);
        recordedAt.Offset.ShouldBe(TimeSpan.FromMinutes(90));
    }

    [Theory]
    [InlineData("2026-12-06T13:17:10.5901423Z")]
    [InlineData("2026-12-06 13:17:10.5901423 +00:00")]
    [InlineData("2026-12-06T13:17:10.5901423\\u002B00:00")]
    public void A_recordedAt_header_in_another_form_stays_a_string_and_reads_as_its_instant(string written)
    {
        var headers = StoredEvents.Headers(Encoding.UTF8.GetBytes($$"""{"recordedAt": "{{written}}"}"""))!;

        headers["recordedAt"].ShouldBeOfType<string>();
        var @event = EventWith(null);
        @event.Headers = headers;
        EventMetadata.RecordedAt(@event).ShouldBe(Recorded);
    }
}
