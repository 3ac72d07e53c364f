using System.Text.Json;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Daily;

[Collection(ApiCollection.Name)]
public sealed class DailySummaryTests(AppFixture app)
{
    [Fact]
    public async Task A_week_across_a_dst_change_and_a_move_gives_the_hand_computed_rows()
    {
        var week = new DstAndMoveWeek(app);
        using (app.Clock.Set(DstAndMoveWeek.EnrolledAt))
        {
            await week.RecordParisDaysAsync();
            await week.RecordMoveAndCorrectionsAsync();
        }

        await app.WaitForProjectionsAsync();
        var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{week.PatientId}/daily?from=2026-10-20&to=2026-10-31"))!;

        daily.GetProperty("projectedThroughVersion").GetInt64().ShouldBe(daily.GetProperty("streamVersion").GetInt64());
        var rows = daily.GetProperty("days").EnumerateArray().ToDictionary(d => d.GetProperty("date").GetString()!);
        rows.Keys.ShouldBe(["2026-10-22", "2026-10-23", "2026-10-25", "2026-10-26", "2026-10-27"]);

        // 22nd (Paris): E1 at 23:30 CEST (4) and the backfilled noon episode (1).
        Row(rows["2026-10-22"], "Europe/Paris", episodes: 2, max: 4, mean: 2.5, cramps: 0);
        // 23rd (Paris): E2 (00:30 CEST) was retracted; the stress trigger, the night of the 22nd and the intake remain.
        Row(rows["2026-10-23"], "Europe/Paris", episodes: 0, max: null, mean: null, cramps: 0);
        rows["2026-10-23"].GetProperty("stress").GetInt32().ShouldBe(7);
        rows["2026-10-23"].GetProperty("triggers").EnumerateArray().Select(t => t.GetString()).ShouldBe(["stress"]);
        rows["2026-10-23"].GetProperty("sleepHours").GetDouble().ShouldBe(5.5);
        rows["2026-10-23"].GetProperty("waterMl").GetInt32().ShouldBe(1500);
        rows["2026-10-23"].GetProperty("caffeineMg").GetInt32().ShouldBe(200);
        rows["2026-10-23"].GetProperty("entries").GetInt32().ShouldBe(3);
        // 25th (Paris): 01:30 CEST (2) and 23:30 CET (8): the 22:30Z episode stays on the 25th only with the winter offset.
        Row(rows["2026-10-25"], "Europe/Paris", episodes: 2, max: 8, mean: 5, cramps: 0);
        // 26th (New York): 03:30Z on the 27th is 23:30 EDT on the 26th.
        Row(rows["2026-10-26"], "America/New_York", episodes: 1, max: 3, mean: 3, cramps: 0);
        // 27th (New York): the 08:00 episode and the cramp.
        Row(rows["2026-10-27"], "America/New_York", episodes: 1, max: 5, mean: 5, cramps: 1);
    }

    [Fact]
    public async Task A_retraction_changes_the_counts_but_not_the_timeline_length()
    {
        var week = new DstAndMoveWeek(app);
        using (app.Clock.Set(DstAndMoveWeek.EnrolledAt))
        {
            await week.RecordParisDaysAsync();
            await app.WaitForProjectionsAsync();
            var before = await SnapshotAsync(week.PatientId);

            await week.RecordMoveAndCorrectionsAsync();
            await app.WaitForProjectionsAsync();
            var after = await SnapshotAsync(week.PatientId);

            before.TimelineLength.ShouldBe(7);
            before.EpisodesOn23rd.ShouldBe(1);
            after.TimelineLength.ShouldBe(11);
            after.EpisodesOn23rd.ShouldBe(0);
            after.RetractedItems.ShouldBe([week.E2]);
        }
    }

    [Fact]
    public async Task Retracting_the_days_strongest_episode_and_its_only_stress_report_recounts_the_day()
    {
        // A maximum and a set cannot be taken back by subtraction: the day is recounted from what still counts.
        var patientId = Guid.NewGuid();
        var strongest = Guid.NewGuid();
        var stress = Guid.NewGuid();
        using (app.Clock.Set(SecondOfSeptember))
        {
            await EnrollAsync(patientId, "UTC");
            var batch = new System.Text.Json.Nodes.JsonObject
            {
                ["entries"] = new System.Text.Json.Nodes.JsonArray(
                    Records.Episode(Guid.NewGuid(), 3).With("occurredAt", "2026-09-01T08:00:00Z").Typed("episode"),
                    Records.Episode(strongest, 8).With("occurredAt", "2026-09-01T20:00:00Z").Typed("episode"),
                    Records.Episode(Guid.NewGuid(), 5).With("occurredAt", "2026-09-01T12:00:00Z").Typed("episode"),
                    Records.Trigger(stress).With("occurredAt", "2026-09-01T09:00:00Z").With("kind", "stress").With("level", 9).Typed("trigger"),
                    Records.Trigger().With("occurredAt", "2026-09-01T10:00:00Z").With("kind", "caffeine").Typed("trigger")),
            };
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString())).Status.ShouldBe(System.Net.HttpStatusCode.OK);
            foreach (var entryId in new[] { strongest, stress })
            {
                await RetractAsync(patientId, entryId);
            }

            await app.WaitForProjectionsAsync();
            var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/daily?from=2026-09-01&to=2026-09-01"))!;
            var row = daily.GetProperty("days").EnumerateArray().Single();
            Row(row, "UTC", episodes: 2, max: 5, mean: 4, cramps: 0);
            row.GetProperty("stress").ValueKind.ShouldBe(JsonValueKind.Null);
            row.GetProperty("triggers").EnumerateArray().Select(t => t.GetString()).ShouldBe(["caffeine"]);
            row.GetProperty("entries").GetInt32().ShouldBe(3);
        }
    }

    [Fact]
    public async Task A_retraction_recounts_its_day_from_its_own_record_only()
    {
        // The recount reads a few of the record's events chosen by the database (the zones, the retractions, the entries
        // around the day): another record's zone or retraction on the same day must not reach it. The rebuild, which
        // recounts from what it folded, must agree.
        var paris = Guid.NewGuid();
        var utc = Guid.NewGuid();
        var retracted = Guid.NewGuid();
        using (app.Clock.Set(SecondOfSeptember))
        {
            await EnrollAsync(paris, "Europe/Paris");
            var parisEntry = Guid.NewGuid();
            await PostAsync(paris, "episodes", Records.Episode(parisEntry, 9).With("occurredAt", "2026-09-01T09:00:00Z"));
            await RetractAsync(paris, parisEntry);

            await EnrollAsync(utc, "UTC");
            foreach (var (entryId, intensity, at) in new[] { (Guid.NewGuid(), 3, "2026-09-01T08:00:00Z"), (retracted, 7, "2026-09-01T23:30:00Z") })
            {
                await PostAsync(utc, "episodes", Records.Episode(entryId, intensity).With("occurredAt", at));
            }

            // The summary is stored before the retraction, so the projection recounts from the record's events (an
            // instance that folded the record from its enrolment recounts from memory; the rebuild below does).
            await app.WaitForProjectionsAsync();
            await RetractAsync(utc, retracted);
        }

        await app.WaitForProjectionsAsync();
        var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{utc}/daily?from=2026-09-01&to=2026-09-02"))!;
        var row = daily.GetProperty("days").EnumerateArray().Single();
        row.GetProperty("date").GetString().ShouldBe("2026-09-01");
        Row(row, "UTC", episodes: 1, max: 3, mean: 3, cramps: 0);
        row.GetProperty("entries").GetInt32().ShouldBe(1);

        await RebuildAgreesAsync();
    }

    [Fact]
    public async Task Stored_summaries_recount_a_day_a_date_away_from_its_entries_in_utc_and_a_night_logged_days_later()
    {
        // Kiritimati is 14 hours ahead of UTC: the 2nd there runs from 10:00Z on the 1st to 10:00Z on the 2nd. The
        // recount reads the events within a day of the entry's local day in UTC, and the night before it: those must
        // reach both ends of the day, and a night whatever day it was logged.
        var patientId = Guid.NewGuid();
        var (early, late, loggedLater, loggedOnTime) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        using (app.Clock.Set(TenthOfSeptember))
        {
            await EnrollAsync(patientId, "Pacific/Kiritimati");
            await PostAsync(patientId, "episodes", Records.Episode(early, 6).With("occurredAt", "2026-09-01T11:00:00Z"));
            await PostAsync(patientId, "episodes", Records.Episode(late, 2).With("occurredAt", "2026-09-02T09:00:00Z"));
            // The night of the 1st counts on the 2nd whenever it is logged: once four days later, once that evening.
            await PostAsync(patientId, "sleep", Records.Sleep(loggedLater).With("night", "2026-09-01").With("hours", 6).With("occurredAt", "2026-09-05T10:00:00Z"));
            await PostAsync(patientId, "sleep", Records.Sleep(loggedOnTime).With("night", "2026-09-01").With("hours", 1.5).With("occurredAt", "2026-09-01T20:00:00Z"));

            // Each retraction comes after the summary is stored, so each is recounted from the database's events.
            await app.WaitForProjectionsAsync();
            await RetractAsync(patientId, early);
            await app.WaitForProjectionsAsync();
            // The episode's UTC date is the 1st, its day the 2nd: the recount found the other episode and both nights.
            await SecondOfSeptemberShowsAsync(sleepHours: 7.5, entries: 3);

            await RetractAsync(patientId, loggedLater);
        }

        await app.WaitForProjectionsAsync();
        await SecondOfSeptemberShowsAsync(sleepHours: 1.5, entries: 2);

        await RebuildAgreesAsync();

        // The record's only day, the 2nd: the later episode, whatever the nights add.
        async Task SecondOfSeptemberShowsAsync(double sleepHours, int entries)
        {
            var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/daily?from=2026-08-31&to=2026-09-06"))!;
            var row = daily.GetProperty("days").EnumerateArray().Single();
            row.GetProperty("date").GetString().ShouldBe("2026-09-02");
            Row(row, "Pacific/Kiritimati", episodes: 1, max: 2, mean: 2, cramps: 0);
            row.GetProperty("sleepHours").GetDouble().ShouldBe(sleepHours);
            row.GetProperty("entries").GetInt32().ShouldBe(entries);
        }
    }

    [Fact]
    public async Task A_retraction_recounts_the_day_its_entry_counted_on_when_a_later_move_would_place_it_elsewhere()
    {
        // An entry may be dated up to 5 minutes ahead. This one counted on the 2nd in UTC; the move to New York right
        // after it (effective from its own recording) would put that instant on the 1st. The recount expects the 1st by
        // the zones the record has now; its replay must find the 2nd and read the 2nd's entries, among them one that
        // happened on the 3rd in UTC (22:00 in New York), beyond what the events around the 1st hold.
        var patientId = Guid.NewGuid();
        var (ahead, noon, evening) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        using (app.Clock.Set(DateTimeOffset.Parse("2026-09-01T23:58:00Z", System.Globalization.CultureInfo.InvariantCulture)))
        {
            await EnrollAsync(patientId, "UTC");
            await PostAsync(patientId, "episodes", Records.Episode(noon, 3).With("occurredAt", "2026-09-01T12:00:00Z"));
            await PostAsync(patientId, "episodes", Records.Episode(ahead, 8).With("occurredAt", "2026-09-02T00:01:00Z"));
            (await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"timeZone\":\"America/New_York\"}")).Status.ShouldBe(System.Net.HttpStatusCode.OK);
        }

        using (app.Clock.Set(DateTimeOffset.Parse("2026-09-03T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture)))
        {
            await PostAsync(patientId, "episodes", Records.Episode(evening, 6).With("occurredAt", "2026-09-03T02:00:00Z"));
            await app.WaitForProjectionsAsync();
            await RetractAsync(patientId, ahead);
        }

        await app.WaitForProjectionsAsync();
        var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/daily?from=2026-08-31&to=2026-09-03"))!;
        var rows = daily.GetProperty("days").EnumerateArray().ToDictionary(d => d.GetProperty("date").GetString()!);
        rows.Keys.ShouldBe(["2026-09-01", "2026-09-02"]);
        Row(rows["2026-09-01"], "UTC", episodes: 1, max: 3, mean: 3, cramps: 0);
        Row(rows["2026-09-02"], "America/New_York", episodes: 1, max: 6, mean: 6, cramps: 0);

        await RebuildAgreesAsync();
    }

    private static readonly DateTimeOffset TenthOfSeptember = DateTimeOffset.Parse("2026-09-10T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private async Task PostAsync(Guid patientId, string route, System.Text.Json.Nodes.JsonObject entry) =>
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", entry.ToJsonString())).Status.ShouldBe(System.Net.HttpStatusCode.Created);

    /// <summary>The verified rebuild, which recounts from what it folded, agrees with every stored summary.</summary>
    private async Task RebuildAgreesAsync()
    {
        var rebuild = await app.Host.Scenario(s => { s.Post.Url("/api/admin/projections/rebuild?repair=false"); s.StatusCodeShouldBeOk(); });
        rebuild.ReadAsJson<JsonElement>().GetProperty("allEqual").GetBoolean().ShouldBeTrue(rebuild.ReadAsText());
    }

    private static readonly DateTimeOffset SecondOfSeptember = DateTimeOffset.Parse("2026-09-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private async Task EnrollAsync(Guid patientId, string timeZone) =>
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).With("timeZone", timeZone).ToJsonString()))
            .Status.ShouldBe(System.Net.HttpStatusCode.Created);

    private async Task RetractAsync(Guid patientId, Guid entryId) =>
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{entryId}/retraction", "{\"reason\":\"entered twice\"}"))
            .Status.ShouldBe(System.Net.HttpStatusCode.Created);

    private async Task<(int TimelineLength, int EpisodesOn23rd, Guid[] RetractedItems)> SnapshotAsync(Guid patientId)
    {
        var timeline = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?limit=500"))!;
        var items = timeline.GetProperty("items").EnumerateArray().ToList();
        var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/daily?from=2026-10-23&to=2026-10-23"))!;
        var row = daily.GetProperty("days").EnumerateArray().Single();
        return (items.Count, row.GetProperty("episodes").GetInt32(),
            items.Where(i => i.GetProperty("retracted").GetBoolean()).Select(i => i.GetProperty("entryId").GetGuid()).ToArray());
    }

    private static void Row(JsonElement row, string zone, int episodes, int? max, double? mean, int cramps)
    {
        row.GetProperty("timeZone").GetString().ShouldBe(zone);
        row.GetProperty("episodes").GetInt32().ShouldBe(episodes);
        (row.GetProperty("maxIntensity").ValueKind == JsonValueKind.Null ? (int?)null : row.GetProperty("maxIntensity").GetInt32()).ShouldBe(max);
        (row.GetProperty("meanIntensity").ValueKind == JsonValueKind.Null ? (double?)null : row.GetProperty("meanIntensity").GetDouble()).ShouldBe(mean);
        row.GetProperty("cramps").GetInt32().ShouldBe(cramps);
    }
}
