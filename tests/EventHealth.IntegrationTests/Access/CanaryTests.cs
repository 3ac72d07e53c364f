using System.Net;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Access;

[Collection(ApiCollection.Name)]
public sealed class CanaryTests(AppFixture app)
{
    [Fact]
    public async Task A_canary_written_into_a_record_never_shows_up_in_the_logs()
    {
        var canary = $"CANARY{Guid.NewGuid():N}";
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId, displayName: canary).With("email", $"{canary.ToLowerInvariant()}@example.org");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        // The paths most likely to log: a conflicting enrollment (database error), a body that fails to parse,
        // free text in entries, an alert with its emails, and reads of everything.
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.With("displayName", canary + "x").ToJsonString())).Status.ShouldBe(HttpStatusCode.Conflict);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/triggers", $"{{\"details\": \"{canary}\", \"level\": \"{canary}\"}}")).Status
            .ShouldBe(HttpStatusCode.BadRequest);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/triggers", Records.Trigger().With("details", canary).ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "speech-difficulty").ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        await app.Inbox.WaitForAsync(e => e.Text?.Contains(canary, StringComparison.Ordinal) == true, TimeSpan.FromSeconds(20));
        foreach (var read in new[] { "", "/timeline", "/history", "/export", "/alerts" })
        {
            (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{read}", null)).Status.ShouldBe(HttpStatusCode.OK);
        }

        app.Logs.Lines.Count.ShouldBeGreaterThan(0);
        app.Logs.Lines.Where(line => line.Contains(canary, StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty();
    }
}
