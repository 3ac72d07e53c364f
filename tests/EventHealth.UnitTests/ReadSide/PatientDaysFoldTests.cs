using System.Text.Json;
using EventHealth.Daily;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// The daily summaries' fold (<see cref="PatientDays"/>) and the month documents its changes go to
/// (<see cref="PatientMonth"/>). A fold that started at the record's enrolment recounts a retracted day from what it
/// folded, without reading the store (no session here: reaching for one would fail the test).
/// </summary>
public sealed class PatientDaysFoldTests
{
    private static readonly Guid PatientId = Guid.NewGuid();
    private readonly PatientDays _days = new();
    private readonly Dictionary<string, PatientMonth> _months = new(StringComparer.Ordinal);
    private long _version;

    [Fact]
    public async Task A_fold_from_enrolment_recounts_the_retracted_day_from_what_it_folded()
    {
        await Fold(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "UTC", null, false));
        var strongest = Guid.NewGuid();
        var stress = Guid.NewGuid();
        var other = Guid.NewGuid();
        await Fold(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 3));
        await Fold(Episode(strongest, "2026-09-01T20:00:00Z", 8));
        await Fold(Episode(Guid.NewGuid(), "2026-09-01T12:00:00Z", 5));
        await Fold(new TriggerReported(stress, At("2026-09-01T09:00:00Z"), TriggerKind.Stress, 9, null));
        await Fold(new TriggerReported(Guid.NewGuid(), At("2026-09-01T10:00:00Z"), TriggerKind.Caffeine, null, null));
        await Fold(Episode(other, "2026-09-02T10:00:00Z", 6));

        await Fold(new EntryRetracted(strongest, "entered twice"));
        await Fold(new EntryRetracted(stress, "entered twice"));

        var first = Day("2026-09-01");
        (first.Episodes, first.MaxIntensity, first.MeanIntensity, first.Stress, first.Entries).ShouldBe((2, (int?)5, (double?)4, (int?)null, 3));
        first.Triggers.ShouldBe(["caffeine"]);
        Day("2026-09-02").Episodes.ShouldBe(1);

        // The last entry of a day taken back leaves no row.
        await Fold(new EntryRetracted(other, "entered twice"));
        Month("2026-09").Days.ContainsKey("2026-09-02").ShouldBeFalse();
        Month("2026-09").Tallies.ContainsKey("2026-09-02").ShouldBeFalse();
    }

    [Fact]
    public async Task Each_local_month_is_its_own_document_and_a_batch_changes_only_the_months_it_reaches()
    {
        // Paris is ahead of UTC: 22:30 UTC on the 31st of August is already the 1st of September there.
        await Fold(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "Europe/Paris", null, false));
        await Fold(Episode(Guid.NewGuid(), "2026-08-31T08:00:00Z", 3));
        var september = Guid.NewGuid();
        await Fold(Episode(september, "2026-08-31T22:30:00Z", 8));
        _months.Keys.ShouldBe([PatientMonth.IdFor(PatientId, "2026-08"), PatientMonth.IdFor(PatientId, "2026-09")], ignoreOrder: true);
        Month("2026-08").Days.Keys.ShouldBe(["2026-08-31"]);
        Month("2026-09").Days.Keys.ShouldBe(["2026-09-01"]);

        // A new entry in August changes August alone.
        (await Fold(Episode(Guid.NewGuid(), "2026-08-30T08:00:00Z", 2))).Select(m => m.Month).ShouldBe(["2026-08"]);

        // Taking back September's only entry empties its month: the projection deletes an empty month.
        (await Fold(new EntryRetracted(september, "wrong day"))).Single().IsEmpty.ShouldBeTrue();
        Month("2026-08").Days.Keys.ShouldBe(["2026-08-30", "2026-08-31"]);
    }

    [Fact]
    public async Task An_event_the_document_already_reflects_changes_nothing()
    {
        await Fold(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "UTC", null, false));
        var episode = new Event<IPatientEntry>(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 3)) { Version = ++_version, StreamId = PatientId };
        await _days.FoldAsync(episode, session: null!);
        await _days.FoldAsync(episode, session: null!);

        PatientMonth.ApplyAll(_months, PatientId, _days.TakeChanges());
        Day("2026-09-01").Entries.ShouldBe(1);
        _days.Version.ShouldBe(2);
    }

    [Fact]
    public async Task The_stored_month_keeps_the_tallies_and_a_read_gives_the_same_days()
    {
        await Fold(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "Europe/Paris", null, false));
        await Fold(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 3));
        await Fold(Episode(Guid.NewGuid(), "2026-09-01T22:30:00Z", 8));
        await Fold(new TriggerReported(Guid.NewGuid(), At("2026-09-03T09:00:00Z"), TriggerKind.Stress, 9, null));

        var month = Month("2026-09");
        var stored = JsonSerializer.Serialize(month, JsonSetup.Options);
        var read = JsonSerializer.Deserialize<PatientMonth>(stored, JsonSetup.Options)!;

        // The summaries follow from the tallies: storing both would double what every projection batch rewrites.
        System.Text.Json.Nodes.JsonNode.Parse(stored)!.AsObject().Select(p => p.Key).ShouldNotContain("days");
        read.Days.Keys.ShouldBe(["2026-09-01", "2026-09-02", "2026-09-03"]);
        foreach (var (day, summary) in month.Days)
        {
            JsonSerializer.Serialize(read.Days[day], JsonSetup.Options).ShouldBe(JsonSerializer.Serialize(summary, JsonSetup.Options));
        }

        // The fold state keeps no day at all.
        JsonSerializer.Serialize(_days, JsonSetup.Options).ShouldNotContain("2026-09");
    }

    [Fact]
    public async Task A_document_stored_with_its_days_in_it_hands_them_to_their_months()
    {
        await Fold(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "UTC", null, false));
        await Fold(Episode(Guid.NewGuid(), "2026-08-31T08:00:00Z", 3));
        await Fold(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 5));
        var expected = JsonSerializer.Serialize(_months.Values.OrderBy(m => m.Id), JsonSetup.Options);

        // As the single document stored them before the months: the days under "tallies".
        var legacy = JsonSerializer.SerializeToNode(_days, JsonSetup.Options)!.AsObject();
        legacy["tallies"] = JsonSerializer.SerializeToNode(
            _months.Values.SelectMany(m => m.Tallies).ToDictionary(d => d.Key, d => d.Value), JsonSetup.Options);
        var read = JsonSerializer.Deserialize<PatientDays>(legacy.ToJsonString(), JsonSetup.Options)!;

        read.TakeStoredTallies();
        var moved = new Dictionary<string, PatientMonth>(StringComparer.Ordinal);
        PatientMonth.ApplyAll(moved, PatientId, read.TakeChanges());
        JsonSerializer.Serialize(moved.Values.OrderBy(m => m.Id), JsonSetup.Options).ShouldBe(expected);
        JsonSerializer.Serialize(read, JsonSetup.Options).ShouldNotContain("tallies");
    }

    private static TwitchEpisodeRecorded Episode(Guid entryId, string at, int intensity) =>
        new(entryId, At(at), [BodyRegion.Calf], Side.Left, intensity, 30, false, false);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Folds the record's next event and applies its day changes to the months, as a projection batch does; the months it changed.</summary>
    private async Task<IReadOnlyCollection<PatientMonth>> Fold<T>(T data) where T : notnull
    {
        await _days.FoldAsync(new Event<T>(data) { Version = ++_version, StreamId = PatientId }, session: null!);
        return PatientMonth.ApplyAll(_months, PatientId, _days.TakeChanges());
    }

    private PatientMonth Month(string month) => _months[PatientMonth.IdFor(PatientId, month)];

    private DailySummary Day(string day) => Month(PatientMonth.MonthOf(day)).Days[day];
}
