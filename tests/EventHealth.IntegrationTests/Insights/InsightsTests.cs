using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Insights;

[Collection(ApiCollection.Name)]
public sealed class InsightsTests(AppFixture app)
{
    private static readonly DateTimeOffset Today = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Patient in UTC, "today" 2026-06-30, window of 10 days = 06-21..06-30. Tracked days and episodes:
    /// 21: 3 + poor-sleep + caffeine; 22: 4 + poor-sleep; 23: 5 + poor-sleep; 24: 1 + magnesium-supplement;
    /// 25: 0 (an intake only); 26: 2; 27: 1 + stretching. Outside the window, 06-20: 9 episodes + poor-sleep.
    /// </summary>
    [Fact]
    public async Task Insights_on_a_crafted_dataset_give_the_hand_computed_figures()
    {
        using var clock = app.Clock.Set(Today);
        var patientId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).With("timeZone", "UTC").ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);

        var entries = new List<JsonObject>();
        void Day(int day, int episodes, params (string Type, string Kind)[] extras)
        {
            var at = new DateTimeOffset(2026, 6, day, 12, 0, 0, TimeSpan.Zero);
            entries.AddRange(Enumerable.Range(0, episodes).Select(i => Records.Episode(occurredAt: at.AddMinutes(i)).Typed("episode")));
            foreach (var (type, kind) in extras)
            {
                var entry = type == "trigger" ? Records.Trigger() : type == "intervention" ? Records.Intervention() : Records.Intake();
                entries.Add((kind.Length > 0 ? entry.With("kind", kind) : entry).With("occurredAt", at.ToString("O")).Typed(type));
            }
        }

        Day(20, 9, ("trigger", "poor-sleep"));
        Day(21, 3, ("trigger", "poor-sleep"), ("trigger", "caffeine"));
        Day(22, 4, ("trigger", "poor-sleep"));
        Day(23, 5, ("trigger", "poor-sleep"));
        Day(24, 1, ("intervention", "magnesium-supplement"));
        Day(25, 0, ("intake", ""));
        Day(26, 2);
        Day(27, 1, ("intervention", "stretching"));
        var batch = new JsonObject { ["entries"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray()) };
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString())).Status.ShouldBe(HttpStatusCode.OK);
        await app.WaitForProjectionsAsync();

        var insights = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/insights?days=10"))!;

        insights.GetProperty("from").GetString().ShouldBe("2026-06-21");
        insights.GetProperty("to").GetString().ShouldBe("2026-06-30");
        insights.GetProperty("trackedDays").GetInt32().ShouldBe(7);

        var poorSleep = Find(insights, "triggers", "poor-sleep");
        poorSleep.GetProperty("daysWith").GetInt32().ShouldBe(3);
        poorSleep.GetProperty("daysWithout").GetInt32().ShouldBe(4);
        poorSleep.GetProperty("meanEpisodesWith").GetDouble().ShouldBe(4.0);    // (3 + 4 + 5) / 3
        poorSleep.GetProperty("meanEpisodesWithout").GetDouble().ShouldBe(1.0); // (1 + 0 + 2 + 1) / 4
        poorSleep.GetProperty("enoughData").GetBoolean().ShouldBeTrue();
        poorSleep.GetProperty("conclusion").GetString().ShouldBe("poor sleep: more episodes on days with (4 per day) than on days without (1 per day)");

        var caffeine = Find(insights, "triggers", "caffeine");
        caffeine.GetProperty("daysWith").GetInt32().ShouldBe(1);
        caffeine.GetProperty("daysWithout").GetInt32().ShouldBe(6);
        caffeine.GetProperty("meanEpisodesWith").GetDouble().ShouldBe(3.0);
        caffeine.GetProperty("meanEpisodesWithout").GetDouble().ShouldBe(2.17);  // (4 + 5 + 1 + 0 + 2 + 1) / 6
        caffeine.GetProperty("conclusion").GetString().ShouldBe("not enough data");

        var magnesium = Find(insights, "interventions", "magnesium-supplement");
        magnesium.GetProperty("applications").GetInt32().ShouldBe(1);
        magnesium.GetProperty("daysBefore").GetInt32().ShouldBe(3);              // 21, 22, 23
        magnesium.GetProperty("episodesBefore").GetInt32().ShouldBe(12);
        magnesium.GetProperty("episodeRateBefore").GetDouble().ShouldBe(4.0);
        magnesium.GetProperty("daysAfter").GetInt32().ShouldBe(3);               // 25, 26, 27
        magnesium.GetProperty("episodesAfter").GetInt32().ShouldBe(3);
        magnesium.GetProperty("episodeRateAfter").GetDouble().ShouldBe(1.0);
        magnesium.GetProperty("enoughData").GetBoolean().ShouldBeTrue();

        var stretching = Find(insights, "interventions", "stretching");
        stretching.GetProperty("daysBefore").GetInt32().ShouldBe(3);             // 24, 25, 26
        stretching.GetProperty("episodeRateBefore").GetDouble().ShouldBe(1.0);   // (1 + 0 + 2) / 3
        stretching.GetProperty("daysAfter").GetInt32().ShouldBe(0);
        stretching.GetProperty("episodeRateAfter").ValueKind.ShouldBe(JsonValueKind.Null);
        stretching.GetProperty("conclusion").GetString().ShouldBe("not enough data");
    }

    private static JsonElement Find(JsonElement insights, string list, string kind) =>
        insights.GetProperty(list).EnumerateArray().Single(i => i.GetProperty("kind").GetString() == kind);
}
