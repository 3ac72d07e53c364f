using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Detection;

/// <summary>
/// Issue 18's journeys through HTTP only, on local days in Auckland (UTC+12/+13): a diary that logs only the days with
/// twitching is read from its first entry on, and the halves are the patient's local days, not UTC's. The clock is set
/// to 12:30 UTC, when Auckland's date is already the next day.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class WorseningJourneyTests(AppFixture app)
{
    private const string Auckland = "Pacific/Auckland";
    private static readonly TimeZoneInfo AucklandZone = TimeZoneInfo.FindSystemTimeZoneById(Auckland);

    /// <summary>Two days ahead of the real clock, so that nothing written by other tests lies in this test's future.</summary>
    private static readonly DateTimeOffset Now = new(DateTime.UtcNow.Date.AddDays(2).AddHours(12).AddMinutes(30), TimeSpan.Zero);

    private static readonly DateOnly LocalToday = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(Now, AucklandZone).DateTime);

    /// <summary>A moment of the patient's local day <paramref name="daysAgo"/> days before today, at that local time.</summary>
    private static DateTimeOffset Local(int daysAgo, int hour, int minute = 0)
    {
        var local = LocalToday.AddDays(-daysAgo).ToDateTime(new TimeOnly(hour, minute));
        return new DateTimeOffset(local, AucklandZone.GetUtcOffset(local));
    }

    private static string LocalDate(int daysAgo) => LocalToday.AddDays(-daysAgo).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private async Task<(Guid Id, string Email)> EnrollInAucklandAsync()
    {
        var id = Guid.NewGuid();
        var email = $"patient-{id:N}@example.org";
        var enrollment = Records.Enrollment(id).With("email", email).With("clinicianEmail", null).With("timeZone", Auckland);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        return (id, email);
    }

    private static JsonObject EpisodeOn(int daysAgo, int hour = 15) => Records.Episode(occurredAt: Local(daysAgo, hour), intensity: 3).Typed("episode");

    private async Task RunDetectionAsync() =>
        await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/detection/run");
            s.StatusCodeShouldBeOk();
        });

    private async Task<List<JsonElement>> AlertsAsync(Guid patientId) =>
        (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts").EnumerateArray().ToList();

    [Fact]
    public async Task Four_then_ten_episode_days_with_difficulty_walking_two_days_ago_raise_one_urgent_alert_explained_by_version_3()
    {
        using var clock = app.Clock.Set(Now);
        var (patientId, email) = await EnrollInAucklandAsync();
        var episodes = await app.Host.RecordBatchAsync(patientId, [.. new[] { 27, 24, 20, 16, 13, 12, 11, 9, 8, 6, 5, 4, 3, 1 }.Select(day => EpisodeOn(day))]);
        // 00:30 in Auckland is the previous day in UTC: the email must show the patient's local date.
        var walking = (await app.Host.RecordBatchAsync(patientId,
            Records.Symptom().With("occurredAt", Local(2, 0, 30).ToString("O")).With("kind", "difficulty-walking").With("bodyRegion", null).Typed("symptom"))).Single();

        await RunDetectionAsync();

        var alert = (await AlertsAsync(patientId)).ShouldHaveSingleItem(); // twitching-with-warning-signs gives way to it
        alert.GetProperty("ruleId").GetString().ShouldBe("worsening-affecting-mobility");
        alert.GetProperty("ruleVersion").GetInt32().ShouldBe(3);
        alert.GetProperty("severity").GetString().ShouldBe("urgent");
        alert.GetProperty("evidence").EnumerateArray().Select(e => e.GetGuid()).ShouldBe([.. episodes, walking], ignoreOrder: true);

        var mail = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("EventHealth urgent alert: worsening twitching with difficulty walking");
        mail.Text!.ShouldContain($"- {LocalDate(2)}: Symptom: difficulty walking");
        mail.Text!.ShouldContain($"- {LocalDate(27)}: ");

        var explanation = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts/{alert.GetProperty("alertId").GetGuid()}/explanation"))!;
        explanation.GetProperty("reproduces").GetBoolean().ShouldBeTrue();
        explanation.GetProperty("rule").GetProperty("version").GetInt32().ShouldBe(3);
    }

    [Fact]
    public async Task A_record_begun_on_local_day_D_20_is_compared_per_observed_day_and_one_begun_on_D_19_is_not()
    {
        using var clock = app.Clock.Set(Now);
        // 15:00 in Auckland is the same date in UTC, where "today" is still yesterday: counted in UTC days the record
        // begun on local D-20 would have begun on D-19 and not been compared.
        var (fromDay20, _) = await EnrollInAucklandAsync();
        await app.Host.RecordBatchAsync(fromDay20, [.. new[] { 20, 16, 12, 10, 8, 6, 4, 2 }.Select(day => EpisodeOn(day))]);
        var (fromDay19, _) = await EnrollInAucklandAsync();
        await app.Host.RecordBatchAsync(fromDay19, [.. new[] { 19, 16, 12, 10, 8, 6, 4, 2 }.Select(day => EpisodeOn(day))]);

        await RunDetectionAsync();

        // 2 episodes over 7 observed days, then 6 over 14: 2 × 6 × 7 = 3 × 2 × 14, exactly the threshold.
        var alert = (await AlertsAsync(fromDay20)).ShouldHaveSingleItem();
        (alert.GetProperty("ruleId").GetString(), alert.GetProperty("ruleVersion").GetInt32(), alert.GetProperty("severity").GetString())
            .ShouldBe(("worsening-trend", 3, "advisory"));
        (await AlertsAsync(fromDay19)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Twitching_with_a_severe_cramp_raises_the_advisory_of_the_articles_section_3_note()
    {
        using var clock = app.Clock.Set(Now);
        var (patientId, email) = await EnrollInAucklandAsync();
        var cramp = Records.Cramp().With("occurredAt", Local(3, 9).ToString("O")).With("severity", 8).With("sudden", false).With("disruptedDailyActivities", false).Typed("cramp");
        await app.Host.RecordBatchAsync(patientId, EpisodeOn(10), cramp);

        await RunDetectionAsync();

        var alert = (await AlertsAsync(patientId)).ShouldHaveSingleItem();
        (alert.GetProperty("ruleId").GetString(), alert.GetProperty("severity").GetString()).ShouldBe(("twitching-with-warning-signs", "advisory"));
        var mail = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("EventHealth advisory: twitching with weakness, a severe cramp or difficulty walking");
        mail.Text!.ShouldContain("The article says: \"If twitching is accompanied by weakness, severe cramping, difficulty walking, or speech issues, a doctor should be consulted to rule out other neurological conditions.\"");
        mail.Text!.ShouldContain("How soon: advisory.");
    }
}
