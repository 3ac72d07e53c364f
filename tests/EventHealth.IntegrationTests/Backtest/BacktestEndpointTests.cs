using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Backtest;

/// <summary>The backtest over HTTP, on a record written through the API over past days (the host's clock moved back).</summary>
[Collection(ApiCollection.Name)]
public sealed class BacktestEndpointTests(AppFixture app)
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-40);

    private async Task PostAsync(string url, JsonObject body) =>
        (await app.Host.SendRawAsync(HttpMethod.Post, url, body.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

    private async Task<(int Status, JsonElement Body)> BacktestAsync(object body)
    {
        var result = await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/backtest", JsonSerializer.Serialize(body));
        return ((int)result.Status, result.Body);
    }

    [Fact]
    public async Task A_candidate_is_backtested_over_the_record_as_it_stood_each_day_and_nothing_is_written()
    {
        // Day 0: enrolled. Day 10: atrophy and a twitch. Day 20: weakness. Every entry recorded on its day.
        var patientId = Guid.NewGuid();
        using (app.Clock.Set(Start.AddHours(9)))
        {
            await PostAsync("/api/patients", Records.Enrollment(patientId).With("timeZone", "UTC").With("alertEmails", true));
            app.Clock.MoveTo(Start.AddDays(10).AddHours(13));
            await PostAsync($"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "muscle-atrophy").With("occurredAt", Start.AddDays(10).AddHours(12).ToString("O")));
            await PostAsync($"/api/patients/{patientId}/episodes", Records.Episode(occurredAt: Start.AddDays(10).AddHours(12).AddMinutes(5)));
            app.Clock.MoveTo(Start.AddDays(20).AddHours(13));
            await PostAsync($"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "muscle-weakness").With("occurredAt", Start.AddDays(20).AddHours(12).ToString("O")));
        }

        var version = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}"))!.GetProperty("version").GetInt64();
        var from = DateOnly.FromDateTime(Start.UtcDateTime);
        var to = from.AddDays(30);
        object Request(object[] rules) => new { from = from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), to = to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), rules, patientIds = new[] { patientId } };

        var (status, live) = await BacktestAsync(Request([]));
        status.ShouldBe(200);
        live.GetProperty("records").GetInt32().ShouldBe(1);
        var liveAlert = live.GetProperty("wouldRaise").EnumerateArray().ShouldHaveSingleItem();
        liveAlert.GetProperty("ruleId").GetString().ShouldBe("weakness-or-atrophy");
        liveAlert.GetProperty("ruleVersion").GetInt32().ShouldBe(1);
        liveAlert.GetProperty("localDate").GetString().ShouldBe(from.AddDays(20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        live.GetProperty("summary").GetProperty("new").GetInt32().ShouldBe(1); // live detection never ran on this record

        var (_, candidate) = await BacktestAsync(Request([new { ruleId = "weakness-or-atrophy", version = 2 }]));
        candidate.GetProperty("wouldRaise").EnumerateArray().Select(a => (a.GetProperty("ruleVersion").GetInt32(), a.GetProperty("localDate").GetString()))
            .ShouldBe([(2, from.AddDays(10).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), (2, from.AddDays(20).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))]);
        candidate.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("ruleId").GetString() == "weakness-or-atrophy")
            .GetProperty("status").GetString().ShouldBe("candidate");

        // Reproducible, and read-only: no alert, no email, the record's version unchanged.
        var (_, again) = await BacktestAsync(Request([new { ruleId = "weakness-or-atrophy", version = 2 }]));
        again.GetRawText().ShouldBe(candidate.GetRawText());
        (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}"))!.GetProperty("version").GetInt64().ShouldBe(version);
        (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts").GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("""{"to":"2026-01-31"}""", "from")]
    [InlineData("""{"from":"2026-02-01","to":"2026-01-31"}""", "to")]
    [InlineData("""{"from":"2024-01-01","to":"2026-01-31"}""", "to")]
    [InlineData("""{"from":"2026-01-01","to":"2099-01-31"}""", "to")]
    [InlineData("""{"from":"2026-01-01","to":"2026-01-31","rules":[{"ruleId":"no-such-rule","version":1}]}""", "rules[0].ruleId")]
    [InlineData("""{"from":"2026-01-01","to":"2026-01-31","rules":[{"ruleId":"weakness-or-atrophy","version":9}]}""", "rules[0].version")]
    [InlineData("""{"from":"2026-01-01","to":"2026-01-31","rules":[{"ruleId":"weakness-or-atrophy"}]}""", "rules[0].version")]
    [InlineData("""{"from":"2026-01-01","to":"2026-01-31","rules":[{"ruleId":"weakness-or-atrophy","version":2},{"ruleId":"weakness-or-atrophy","version":1}]}""", "rules[1].ruleId")]
    public async Task Bad_requests_answer_a_problem_naming_the_field(string body, string field)
    {
        var result = await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/backtest", body);
        result.Status.ShouldBe(HttpStatusCode.BadRequest);
        result.Body.ProblemFields().ShouldContain(field);
    }
}
