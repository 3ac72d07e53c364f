using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using Marten;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>
/// The record's snapshot is stored only when an event changes its profile, so its stored revision may trail the stream;
/// every read answers the stream's version (<see cref="RecordVersion"/>).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RecordSnapshotTests(AppFixture app)
{
    [Fact]
    public async Task An_entry_leaves_the_snapshot_unwritten_yet_every_read_answers_the_stream_version_and_a_profile_change_stores_it()
    {
        var patientId = await app.Host.EnrollAsync();
        (await app.Host.SnapshotRevisionAsync(patientId)).ShouldBe(1);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/cramps", Records.Cramp().ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);

        (await app.Host.SnapshotRevisionAsync(patientId)).ShouldBe(1);
        var profile = await app.Host.Scenario(s =>
        {
            s.Get.Url($"/api/patients/{patientId}");
            s.Header("ETag").SingleValueShouldEqual("\"3\"");
        });
        profile.Json().GetProperty("version").GetInt64().ShouldBe(3);
        await app.Host.Scenario(s =>
        {
            s.Get.Url($"/api/patients/{patientId}/history");
            s.Header("ETag").SingleValueShouldEqual("\"3\"");
        });
        (await Read($"/api/patients/{patientId}/history")).GetProperty("streamVersion").GetInt64().ShouldBe(3);
        (await Read($"/api/patients/{patientId}/daily")).GetProperty("streamVersion").GetInt64().ShouldBe(3);
        var export = await Read($"/api/patients/{patientId}/export");
        export.GetProperty("streamVersion").GetInt64().ShouldBe(3);
        export.GetProperty("profile").GetProperty("version").GetInt64().ShouldBe(3);
        var fhir = await app.Host.Scenario(s =>
        {
            s.Get.Url($"/api/patients/{patientId}/fhir");
            s.Header("ETag").SingleValueShouldEqual("\"3\"");
        });
        JsonDocument.Parse(fhir.ReadAsText()).RootElement.GetProperty("identifier").GetProperty("value").GetString().ShouldBe($"{patientId}/3");

        // The ETag a read gave is the one a write accepts; the change it makes is stored at the stream's version.
        var changed = await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}",
            new JsonObject { ["email"] = "changed@example.org" }.ToJsonString(), ("If-Match", "\"3\""));
        changed.Status.ShouldBe(HttpStatusCode.OK);
        changed.Body.GetProperty("version").GetInt64().ShouldBe(4);
        (await app.Host.SnapshotRevisionAsync(patientId)).ShouldBe(4);
        await using (var session = app.Host.QueryFor(patientId))
        {
            (await session.LoadAsync<PatientRecord>(patientId))!.Email.ShouldBe("changed@example.org");
        }

        (await app.Host.RebuildProjectionsAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
    }

    private async Task<JsonElement> Read(string url) => (await app.Host.GetAsJson<JsonElement>(url))!;
}
