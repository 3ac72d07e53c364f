using System.Net;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Digest;

/// <summary>The digest names only what the insights method supports (the same method as <c>/insights</c>).</summary>
[Collection(ApiCollection.Name)]
public sealed class DigestInsightsTests(AppFixture app)
{
    [Fact]
    public async Task A_trigger_reported_on_too_few_days_is_not_named_even_with_more_twitching_on_them()
    {
        var patientId = Guid.NewGuid();
        var email = $"digest-insights-{patientId:N}@example.org";
        var enrollment = Records.Enrollment(patientId).With("email", email).With("timeZone", "UTC").With("alertEmails", true).Without("clinicianEmail");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        // The fortnight ending yesterday, every day tracked. Stress on 4 days (enough data), caffeine on 2 (not enough),
        // each with clearly more twitching than the other days.
        var today = DateTimeOffset.UtcNow.Date;
        var entries = new JsonArray();
        for (var daysAgo = 1; daysAgo <= 14; daysAgo++)
        {
            var noon = new DateTimeOffset(today.AddDays(-daysAgo).AddHours(12), TimeSpan.Zero);
            var trigger = daysAgo is 2 or 4 or 6 or 8 ? "stress" : daysAgo is 3 or 5 ? "caffeine" : null;
            var episodes = trigger is null ? 1 : 4;
            for (var i = 0; i < episodes; i++)
            {
                entries.Add(Records.Episode(intensity: 3, occurredAt: noon.AddMinutes(i)).Typed("episode"));
            }

            if (trigger is not null)
            {
                entries.Add(Records.Trigger().With("occurredAt", noon.AddMinutes(-30).ToString("O")).With("kind", trigger).Typed("trigger"));
            }
        }

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", new JsonObject { ["entries"] = entries }.ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.OK);
        await app.WaitForProjectionsAsync();

        // /insights over the same fortnight agrees: caffeine has not enough data, stress has.
        var insights = (await app.Host.GetAsJson<JsonObject>($"/api/patients/{patientId}/insights?days=15"))!;
        var triggers = insights["triggers"]!.AsArray().ToDictionary(t => t!["kind"]!.GetValue<string>(), t => t!["enoughData"]!.GetValue<bool>());
        triggers["caffeine"].ShouldBeFalse();
        triggers["stress"].ShouldBeTrue();

        await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/digest/run");
            s.StatusCodeShouldBeOk();
        });

        var digest = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldHaveSingleItem();
        digest.Text!.ShouldContain("- Days with more twitching came with: stress");
        digest.Text!.ShouldNotContain("caffeine");
        digest.Html!.ShouldNotContain("caffeine");
    }
}
