using System.Text.Json;
using EventHealth.Http;
using EventHealth.Timeline;

namespace EventHealth.UnitTests.ReadSide;

public sealed class RecordedDataTests
{
    // What an entry's data looks like once stored: written by the API's own dialect, with text that needs escaping.
    private static readonly string Stored = JsonSerializer.Serialize(new
    {
        note = "Café \"after\" <the> run & a tab\there, 😀",
        bodyRegions = new[] { "calf", "eyelid" },
        intensity = 4,
        durationSeconds = 30.5,
        nested = new { visible = true, painful = (bool?)null },
    }, JsonSetup.Options);

    [Fact]
    public void Is_written_as_the_bytes_a_parsed_and_re_serialised_element_gave()
    {
        var raw = JsonSerializer.Serialize(new { data = new RecordedData(Stored), after = 1 }, JsonSetup.Options);
        var parsed = JsonSerializer.Serialize(new { data = JsonDocument.Parse(Stored).RootElement.Clone(), after = 1 }, JsonSetup.Options);

        raw.ShouldBe(parsed);
    }

    [Fact]
    public void Reads_back_what_it_wrote()
    {
        var json = JsonSerializer.Serialize(new RecordedData(Stored), JsonSetup.Options);

        JsonSerializer.Deserialize<RecordedData>(json, JsonSetup.Options).Json.ShouldBe(Stored);
    }

    [Fact]
    public void A_damaged_document_fails_the_answer_instead_of_sending_broken_json()
    {
        Should.Throw<JsonException>(() => JsonSerializer.Serialize(new { data = new RecordedData("{\"intensity\":") }, JsonSetup.Options));
    }
}
