using System.Text.Json;
using EventHealth.Http;
using EventHealth.Recording;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventHealth.UnitTests.Http;

public sealed class HttpRulesTests
{
    [Theory]
    [InlineData("\"7\"", 7L)]
    [InlineData("W/\"12\"", 12L)]
    [InlineData("3", 3L)]
    [InlineData("*", null)]
    [InlineData("", null)]
    public void If_match_accepts_a_quoted_version_or_any(string header, long? expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = header;
        WriteContext.TryParseIfMatch(context.Request, out var version).ShouldBeTrue();
        version.ShouldBe(expected);
    }

    [Theory]
    [InlineData("\"seven\"")]
    [InlineData("\"-1\"")]
    public void If_match_refuses_what_is_not_a_version(string header)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.IfMatch = header;
        WriteContext.TryParseIfMatch(context.Request, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Europe/Paris", true)]
    [InlineData("America/Argentina/Buenos_Aires", true)]
    [InlineData("UTC", true)]
    [InlineData("Pacific Standard Time", false)]
    [InlineData("Mars/Olympus_Mons", false)]
    [InlineData("", false)]
    public void Time_zones_must_be_iana_ids(string zone, bool valid) => FieldErrors.IsIanaTimeZone(zone).ShouldBe(valid);

    [Theory]
    [InlineData("pacific/kiritimati", "Pacific/Kiritimati")]
    [InlineData("EUROPE/PARIS", "Europe/Paris")]
    [InlineData("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires")]
    [InlineData("utc", "UTC")]
    [InlineData("Mars/Olympus_Mons", null)]
    public void Time_zones_are_kept_as_the_database_spells_them(string typed, string? canonical) =>
        FieldErrors.CanonicalTimeZone(typed).ShouldBe(canonical);

    [Theory]
    [InlineData("ana@example.org", true)]
    [InlineData("Ana <ana@example.org>", false)]
    [InlineData("ana@localhost", false)]
    [InlineData("not-an-email", false)]
    public void Emails_must_be_plain_addresses(string email, bool valid) => FieldErrors.IsEmail(email).ShouldBe(valid);

    [Fact]
    public void A_serializer_failure_on_an_enum_names_the_field_and_its_allowed_values()
    {
        var problem = FailureFor("{\"side\":\"up\"}");
        JsonSetup.DescribeJsonFailure(problem, new DefaultHttpContext());

        var errors = (IReadOnlyDictionary<string, string[]>)problem.Extensions["errors"]!;
        errors["side"].ShouldBe(["must be one of left, right, both"]);
        problem.Status.ShouldBe(400);
    }

    [Fact]
    public void Every_field_of_the_wrong_type_is_named_with_what_it_expected()
    {
        using var body = JsonDocument.Parse("""{"entryId":"abc","occurredAt":"2026-03-29T08:15:00","intensity":"4","side":"up","bodyRegions":["calf",7],"visible":"yes"}""");
        var errors = new FieldErrors();

        JsonBodyErrors.Collect(body.RootElement, typeof(RecordEpisode), JsonSetup.Options, errors);

        var named = errors.ToDictionary();
        named.Keys.ShouldBe(["bodyRegions[1]", "entryId", "intensity", "occurredAt", "side", "visible"], ignoreOrder: true);
        named["entryId"].ShouldBe(["must be a UUID such as 6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a51"]);
        named["occurredAt"].ShouldBe([OffsetRequiredConverter.Expected]);
        named["intensity"].ShouldBe(["must be an integer from 0 to 10"]);
        named["bodyRegions[1]"].Single().ShouldStartWith("must be one of face, eyelid");
        named["visible"].ShouldBe(["must be true or false"]);
    }

    [Fact]
    public void Batch_entries_are_checked_as_their_own_type_and_named_by_index()
    {
        using var body = JsonDocument.Parse("""{"entries":[{"type":"episode","intensity":"4"},{"type":"cramp","severity":true},{"type":"mood"}]}""");
        var errors = new FieldErrors();

        JsonBodyErrors.Collect(body.RootElement, typeof(RecordEntriesBatch), JsonSetup.Options, errors);

        errors.ToDictionary().Keys.ShouldBe(["entries[0].intensity", "entries[1].severity", "entries[2].type"], ignoreOrder: true);
        errors.ToDictionary()["entries[1].severity"].ShouldBe(["must be an integer from 0 to 10"]);
    }

    [Fact]
    public void A_field_out_of_range_is_named_beside_the_wrong_typed_ones()
    {
        using var body = JsonDocument.Parse("""{"intensity":"4","durationSeconds":-5,"side":"left"}""");
        var errors = new FieldErrors();

        JsonBodyErrors.Collect(body.RootElement, typeof(RecordEpisode), JsonSetup.Options, errors);

        errors.ToDictionary().Keys.ShouldBe(["durationSeconds", "intensity"], ignoreOrder: true);
        errors.ToDictionary()["durationSeconds"].ShouldBe([$"must be between 0 and {EntryRequest.MaxDurationSeconds}"]);
    }

    [Fact]
    public void A_body_that_fits_has_no_errors()
    {
        using var body = JsonDocument.Parse("""{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a51","occurredAt":"2026-03-29T08:15:00+02:00","intensity":4}""");
        var errors = new FieldErrors();
        JsonBodyErrors.Collect(body.RootElement, typeof(RecordEpisode), JsonSetup.Options, errors);
        errors.IsEmpty.ShouldBeTrue();
    }

    [Theory]
    [InlineData("2026-03-29T08:15:00", true, "2026-03-29T08:15:00+00:00")]
    [InlineData("2026-03-29T08:15:00+02:00", true, "2026-03-29T08:15:00+02:00")]
    [InlineData("2026-03-29T08:15:00Z", true, "2026-03-29T08:15:00+00:00")]
    [InlineData("2026-03-29T08:15:00 02:00", false, null)]
    [InlineData("2026-03-29", false, null)]
    public void Query_timestamps_without_an_offset_are_utc(string text, bool valid, string? expected)
    {
        QueryTimestamps.TryParse(text, out var value).ShouldBe(valid);
        if (expected is not null)
        {
            value.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture).ShouldBe(expected);
        }

        QueryTimestamps.Expected(text).Contains("%2B", StringComparison.Ordinal).ShouldBe(text.Contains(' ', StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_syntax_is_a_fault_of_the_body()
    {
        var problem = FailureFor("{\"side\": ");
        JsonSetup.DescribeJsonFailure(problem, new DefaultHttpContext());
        ((IReadOnlyDictionary<string, string[]>)problem.Extensions["errors"]!).Keys.ShouldBe(["body"]);
    }

    [Fact]
    public void Timestamps_without_an_offset_are_refused_and_with_one_kept_exactly()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Apply(options);
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<RecordEpisode>("{\"occurredAt\":\"2026-01-05T10:00:00\"}", options));
        var parsed = JsonSerializer.Deserialize<RecordEpisode>("{\"occurredAt\":\"2026-01-05T10:00:00+01:00\"}", options)!;
        parsed.OccurredAt.ShouldBe(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.FromHours(1)));
        parsed.OccurredAt!.Value.Offset.ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public void Enum_values_travel_as_kebab_case()
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Apply(options);
        JsonSerializer.Serialize(TriggerKind.MedicationWithdrawn, options).ShouldBe("\"medication-withdrawn\"");
        JsonSerializer.Serialize(BodyRegion.UpperArm, options).ShouldBe("\"upper-arm\"");
    }

    [Theory]
    [InlineData("\"upper-arm\"", true)]
    [InlineData("\"\\u0075pper-arm\"", true)] // escaped: read as the characters it stands for
    [InlineData("\"\\u0075\\u0070\\u0070\\u0065\\u0072\\u002d\\u0061\\u0072\\u006d\"", true)] // every character escaped
    [InlineData("\"\\u0075\\u0070\\u0070\\u0065\\u0072\\u002d\\u0061\\u0072\\u006d\\u0020\\u0020\\u0020\"", false)] // 72 bytes, padded
    [InlineData("\"Upper-arm\"", false)]
    [InlineData("\"upperArm\"", false)]
    [InlineData("\" upper-arm\"", false)]
    [InlineData("\"upper-arm-upper-arm-upper-arm-upper-arm-upper-arm-upper-arm-upper-arm\"", false)]
    public void Enum_values_are_read_in_their_one_spelling_only(string json, bool reads)
    {
        if (reads)
        {
            JsonSerializer.Deserialize<BodyRegion>(json, JsonSetup.Options).ShouldBe(BodyRegion.UpperArm);
            JsonSerializer.Deserialize<Dictionary<BodyRegion, int>>($"{{{json}:1}}", JsonSetup.Options)!.Keys.ShouldBe([BodyRegion.UpperArm]);
        }
        else
        {
            Should.Throw<JsonException>(() => JsonSerializer.Deserialize<BodyRegion>(json, JsonSetup.Options));
            Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Dictionary<BodyRegion, int>>($"{{{json}:1}}", JsonSetup.Options));
        }
    }

    [Fact]
    public void An_escaped_spelling_longer_than_64_bytes_reads_as_the_value_it_spells()
    {
        // "medication-withdrawn", every character escaped: 120 bytes of JSON for 20 characters.
        var escaped = string.Concat("medication-withdrawn".Select(c => $"\\u{(int)c:x4}"));
        JsonSerializer.Deserialize<TriggerKind>($"\"{escaped}\"", JsonSetup.Options).ShouldBe(TriggerKind.MedicationWithdrawn);
        JsonSerializer.Deserialize<Dictionary<TriggerKind, int>>($"{{\"{escaped}\":1}}", JsonSetup.Options)!.Keys.ShouldBe([TriggerKind.MedicationWithdrawn]);
    }

    /// <summary>The converter writes spellings encoded once, with the default encoder: the same bytes under any encoder
    /// only while every spelling is plain ASCII that no encoder escapes.</summary>
    [Fact]
    public void Every_enum_spelling_is_lower_case_ascii_letters_digits_and_hyphens()
    {
        var enums = typeof(JsonSetup).Assembly.GetTypes().Where(t => t.IsEnum && t.Namespace?.StartsWith("EventHealth", StringComparison.Ordinal) == true);
        foreach (var value in enums.SelectMany(type => Enum.GetValues(type).Cast<Enum>()))
        {
            JsonSetup.Spelling(value).ShouldMatch("^[a-z0-9-]+$");
        }
    }

    [Fact]
    public void Spellings_and_words_are_the_same_for_a_known_enum_type_and_a_boxed_value()
    {
        foreach (var kind in Enum.GetValues<TriggerKind>())
        {
            JsonSetup.Spelling(kind).ShouldBe(JsonSetup.Spelling((Enum)kind));
            EventHealth.Timeline.EntrySummaries.Words(kind).ShouldBe(EventHealth.Timeline.EntrySummaries.Words((Enum)kind));
        }

        JsonSetup.Spelling(TriggerKind.PoorSleep).ShouldBe("poor-sleep");
        EventHealth.Timeline.EntrySummaries.Words(TriggerKind.PoorSleep).ShouldBe("poor sleep");
        JsonSetup.Spelling((TriggerKind)999).ShouldBe("999");
    }

    /// <summary>The problem Wolverine writes when the body does not deserialize, built from the real serializer error.</summary>
    private static ProblemDetails FailureFor(string json)
    {
        var options = new JsonSerializerOptions();
        JsonSetup.Apply(options);
        var exception = Should.Throw<JsonException>(() => JsonSerializer.Deserialize<RecordEpisode>(json, options));
        return new ProblemDetails { Title = "Invalid JSON format", Status = 400, Detail = exception.Message };
    }
}
