using System.Net;
using System.Text.Json;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Detection;

[Collection(ApiCollection.Name)]
public sealed class DetectionRunTests(AppFixture app)
{
    private async Task<JsonElement> RunDetectionAsync() =>
        (await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/detection/run");
            s.StatusCodeShouldBeOk();
        })).ReadAsJson<JsonElement>();

    private async Task<List<string>> AlertRulesAsync(Guid patientId) =>
        (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts").EnumerateArray()
            .Select(a => a.GetProperty("ruleId").GetString()!).ToList();

    [Fact]
    public async Task Records_that_move_while_earlier_alerts_are_emailed_are_decided_in_the_run_that_found_them_due()
    {
        // Fifteen patients with a balance problem: the first run raises fifteen alerts and queues thirty emails, whose
        // notifications are appended to the very records the second run is deciding.
        var patients = Enumerable.Range(0, 15).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in patients)
        {
            var enrollment = Records.Enrollment(id).With("email", $"moving-{id:N}@example.org").With("clinicianEmail", $"clinic-{id:N}@example.org").With("alertEmails", true);
            (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/symptoms", Records.Symptom().With("kind", "balance-problem").ToJsonString()))
                .Status.ShouldBe(HttpStatusCode.Created);
        }

        (await RunDetectionAsync()).GetProperty("skipped").GetInt32().ShouldBe(0);

        // While those emails go out, every record gets a new red flag: a sudden, severe, disruptive cramp.
        foreach (var id in patients)
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/cramps", Records.Cramp().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        var second = await RunDetectionAsync();
        second.GetProperty("skipped").GetInt32().ShouldBe(0);

        // Decided in that run: no later run was needed for any of the cramp alerts.
        foreach (var id in patients)
        {
            (await AlertRulesAsync(id)).Order().ShouldBe(["coordination-or-balance", "sudden-severe-cramps"]);
        }
    }
}
