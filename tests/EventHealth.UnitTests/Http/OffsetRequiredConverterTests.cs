using System.Globalization;
using System.Text.Json;
using EventHealth.Http;

namespace EventHealth.UnitTests.Http;

/// <summary>The round-trip fast path reads exactly what the general path reads, and refuses what it refuses.</summary>
public sealed class OffsetRequiredConverterTests
{
    public static TheoryData<string> Timestamps() =>
    [
        "2026-03-29T08:15:00.0000000+02:00",
        "2026-03-29T08:15:00.1234567-09:30",
        "2026-10-25T01:30:00.9999999+00:00",
        "0001-01-01T00:00:00.0000000+00:00",
        "9999-12-31T23:59:59.9999999+14:00",
        "2026-03-29T08:15:00+02:00",
        "2026-03-29T08:15:00Z",
        "2026-03-29T08:15:00.123Z",
    ];

    [Theory]
    [MemberData(nameof(Timestamps))]
    public void Reads_what_the_general_parser_reads(string text)
    {
        var read = JsonSerializer.Deserialize<DateTimeOffset>(JsonSerializer.Serialize(text), JsonSetup.Options);

        OffsetRequiredConverter.TryParse(text, out var general).ShouldBeTrue();
        read.ShouldBe(general);
        read.Offset.ShouldBe(general.Offset);
    }

    /// <summary>As PostgreSQL gives stored JSON back: "+" unescaped (the serializer writes it as \u002B).</summary>
    [Theory]
    [MemberData(nameof(Timestamps))]
    public void Reads_unescaped_text_as_the_general_parser_reads_it(string text)
    {
        var read = JsonSerializer.Deserialize<DateTimeOffset>($"\"{text}\"", JsonSetup.Options);

        OffsetRequiredConverter.TryParse(text, out var general).ShouldBeTrue();
        read.ShouldBe(general);
        read.Offset.ShouldBe(general.Offset);
    }

    [Theory]
    [InlineData("2026-03-29T08:15:00.0000000")]
    [InlineData("2026-13-29T08:15:00.0000000+02:00")]
    [InlineData("2026-03-29T08:15:00.0000000+25:00")]
    [InlineData("2026-03-29T08:15:00.0000000+14:30")]
    [InlineData("2026-03-29T08:15:00.000000x+02:00")]
    [InlineData("2026-02-30T08:15:00.0000000+02:00")]
    public void Refuses_unescaped_text_the_general_parser_refuses(string text) =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>($"\"{text}\"", JsonSetup.Options));

    [Theory]
    [InlineData("2026-03-29T08:15:00.0000000")]
    [InlineData("2026-13-29T08:15:00.0000000+02:00")]
    [InlineData("2026-03-29T08:15:00.0000000+25:00")]
    [InlineData("2026-03-29T08:15:00.000000x+02:00")]
    public void Refuses_what_the_general_parser_refuses(string text) =>
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<DateTimeOffset>(JsonSerializer.Serialize(text), JsonSetup.Options));

    [Fact]
    public void Reads_back_every_value_it_writes()
    {
        var value = new DateTimeOffset(2026, 11, 30, 21, 15, 7, TimeSpan.FromMinutes(-150)).AddTicks(1234567);
        var json = JsonSerializer.Serialize(value, JsonSetup.Options);

        OffsetRequiredConverter.IsRoundTripShape(JsonSerializer.Deserialize<string>(json)).ShouldBeTrue();
        var read = JsonSerializer.Deserialize<DateTimeOffset>(json, JsonSetup.Options);
        read.ShouldBe(value);
        read.Offset.ShouldBe(value.Offset);
        read.ToString("O", CultureInfo.InvariantCulture).ShouldBe(value.ToString("O", CultureInfo.InvariantCulture));
    }
}
