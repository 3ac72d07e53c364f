using EventHealth.Daily;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// A fold that started at the record's enrolment recounts a retracted day from what it folded, without reading the
/// store (no session here: reaching for one would fail the test).
/// </summary>
public sealed class PatientDaysFoldTests
{
    private static readonly Guid PatientId = Guid.NewGuid();
    private long _version;

    [Fact]
    public async Task A_fold_from_enrolment_recounts_the_retracted_day_from_what_it_folded()
    {
        var days = new PatientDays();
        days.Apply(Next(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "UTC", null, false)));
        var strongest = Guid.NewGuid();
        var stress = Guid.NewGuid();
        var other = Guid.NewGuid();
        days.Apply(Entry(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 3)));
        days.Apply(Entry(Episode(strongest, "2026-09-01T20:00:00Z", 8)));
        days.Apply(Entry(Episode(Guid.NewGuid(), "2026-09-01T12:00:00Z", 5)));
        days.Apply(Entry(new TriggerReported(stress, At("2026-09-01T09:00:00Z"), TriggerKind.Stress, 9, null)));
        days.Apply(Entry(new TriggerReported(Guid.NewGuid(), At("2026-09-01T10:00:00Z"), TriggerKind.Caffeine, null, null)));
        days.Apply(Entry(Episode(other, "2026-09-02T10:00:00Z", 6)));

        await days.Apply(Retraction(strongest), session: null!);
        await days.Apply(Retraction(stress), session: null!);

        var first = days.Days["2026-09-01"];
        (first.Episodes, first.MaxIntensity, first.MeanIntensity, first.Stress, first.Entries).ShouldBe((2, (int?)5, (double?)4, (int?)null, 3));
        first.Triggers.ShouldBe(["caffeine"]);
        days.Days["2026-09-02"].Episodes.ShouldBe(1);

        // The last entry of a day taken back leaves no row.
        await days.Apply(Retraction(other), session: null!);
        days.Days.ContainsKey("2026-09-02").ShouldBeFalse();
        days.Tallies.ContainsKey("2026-09-02").ShouldBeFalse();
    }

    [Fact]
    public void The_stored_document_keeps_the_tallies_and_a_read_gives_the_same_days()
    {
        var days = new PatientDays();
        days.Apply(Next(new PatientEnrolled(PatientId, "Ada", "ada@example.org", "Europe/Paris", null, false)));
        days.Apply(Entry(Episode(Guid.NewGuid(), "2026-09-01T08:00:00Z", 3)));
        days.Apply(Entry(Episode(Guid.NewGuid(), "2026-09-01T22:30:00Z", 8)));
        days.Apply(Entry(new TriggerReported(Guid.NewGuid(), At("2026-09-03T09:00:00Z"), TriggerKind.Stress, 9, null)));

        var stored = System.Text.Json.JsonSerializer.Serialize(days, EventHealth.Http.JsonSetup.Options);
        var read = System.Text.Json.JsonSerializer.Deserialize<PatientDays>(stored, EventHealth.Http.JsonSetup.Options)!;

        // The summaries follow from the tallies: storing both would double the document every projection batch rewrites.
        System.Text.Json.Nodes.JsonNode.Parse(stored)!.AsObject().Select(p => p.Key).ShouldNotContain("days");
        read.Days.Keys.ShouldBe(["2026-09-01", "2026-09-02", "2026-09-03"]);
        foreach (var (day, summary) in days.Days)
        {
            System.Text.Json.JsonSerializer.Serialize(read.Days[day], EventHealth.Http.JsonSetup.Options)
                .ShouldBe(System.Text.Json.JsonSerializer.Serialize(summary, EventHealth.Http.JsonSetup.Options));
        }
    }

    private static TwitchEpisodeRecorded Episode(Guid entryId, string at, int intensity) =>
        new(entryId, At(at), [BodyRegion.Calf], Side.Left, intensity, 30, false, false);

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private Event<T> Next<T>(T data) where T : notnull => new(data) { Version = ++_version, StreamId = PatientId };

    private Event<IPatientEntry> Entry(IPatientEntry entry) => Next(entry);

    private Event<EntryRetracted> Retraction(Guid entryId) => Next(new EntryRetracted(entryId, "entered twice"));
}
