using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Recording;

[Collection(ApiCollection.Name)]
public sealed class WritingRecordTests(AppFixture app)
{
    [Fact]
    public async Task Enrollment_answers_201_with_location_etag_and_the_profile()
    {
        var patientId = Guid.NewGuid();
        var result = await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Enrollment(patientId, "Ana")).ToUrl("/api/patients");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
            s.Header("Location").SingleValueShouldEqual($"/api/patients/{patientId}");
            s.Header("ETag").SingleValueShouldEqual("\"1\"");
        });

        var profile = result.Json();
        profile.GetProperty("patientId").GetGuid().ShouldBe(patientId);
        profile.GetProperty("displayName").GetString().ShouldBe("Ana");
        profile.GetProperty("timeZone").GetString().ShouldBe("Europe/Paris");
        profile.GetProperty("alertEmails").GetBoolean().ShouldBeTrue();
        (await app.Host.EventCountAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Enrollment_without_a_patient_id_gets_a_server_chosen_one()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Enrollment().Without("patientId")).ToUrl("/api/patients");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });
        var patientId = result.Json().GetProperty("patientId").GetGuid();
        patientId.ShouldNotBe(Guid.Empty);
        (await app.Host.EventCountAsync(patientId)).ShouldBe(1);
    }

    [Theory]
    [InlineData("episodes", "episode")]
    [InlineData("cramps", "cramp")]
    [InlineData("triggers", "trigger")]
    [InlineData("sleep", "sleep")]
    [InlineData("intake", "intake")]
    [InlineData("interventions", "intervention")]
    [InlineData("symptoms", "symptom")]
    public async Task Each_entry_route_stores_one_event_and_answers_201_with_the_new_version(string route, string type)
    {
        var patientId = await app.Host.EnrollAsync();
        var entry = EntryFor(type);

        var result = await app.Host.Scenario(s =>
        {
            s.Post.Json(entry).ToUrl($"/api/patients/{patientId}/{route}");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
            s.Header("ETag").SingleValueShouldEqual("\"2\"");
        });

        var answer = result.Json();
        answer.GetProperty("entryId").GetString().ShouldBe(entry["entryId"]!.GetValue<string>());
        answer.GetProperty("type").GetString().ShouldBe(type);
        answer.GetProperty("version").GetInt64().ShouldBe(2);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task Contact_details_change_stores_only_the_changed_fields_and_a_repeat_stores_nothing()
    {
        var patientId = await app.Host.EnrollAsync();
        var patch = new JsonObject { ["timeZone"] = "America/New_York", ["email"] = "patient@example.org" };

        var result = await app.Host.Scenario(s =>
        {
            s.Patch.Json(patch).ToUrl($"/api/patients/{patientId}");
            s.StatusCodeShouldBeOk();
            s.Header("ETag").SingleValueShouldEqual("\"2\"");
        });
        result.Json().GetProperty("timeZone").GetString().ShouldBe("America/New_York");

        await app.Host.Scenario(s =>
        {
            s.Patch.Json(patch).ToUrl($"/api/patients/{patientId}");
            s.StatusCodeShouldBeOk();
            s.Header("ETag").SingleValueShouldEqual("\"2\"");
        });

        var history = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/history"))!;
        var change = history.GetProperty("events")[1];
        change.GetProperty("type").GetString().ShouldBe("ContactDetailsChanged");
        change.GetProperty("data").GetProperty("timeZone").GetString().ShouldBe("America/New_York");
        change.GetProperty("data").GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task An_empty_clinician_email_removes_the_clinician_contact()
    {
        var patientId = await app.Host.EnrollAsync();
        var result = await app.Host.Scenario(s =>
        {
            s.Patch.Json(new JsonObject { ["clinicianEmail"] = "" }).ToUrl($"/api/patients/{patientId}");
            s.StatusCodeShouldBeOk();
        });
        result.Json().GetProperty("clinicianEmail").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task Retraction_answers_201_and_the_profile_counts_the_entry_as_retracted()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Episode(entryId)).ToUrl($"/api/patients/{patientId}/episodes");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });
        await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Cramp()).ToUrl($"/api/patients/{patientId}/cramps");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });

        var retraction = await app.Host.Scenario(s =>
        {
            s.Post.Json(new JsonObject { ["reason"] = "entered twice" }).ToUrl($"/api/patients/{patientId}/entries/{entryId}/retraction");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
            s.Header("ETag").SingleValueShouldEqual("\"4\"");
        });
        retraction.Json().GetProperty("reason").GetString().ShouldBe("entered twice");

        var profile = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}"))!;
        profile.GetProperty("version").GetInt64().ShouldBe(4);
        var counters = profile.GetProperty("counters");
        counters.GetProperty("episodes").GetInt32().ShouldBe(0);
        counters.GetProperty("cramps").GetInt32().ShouldBe(1);
        counters.GetProperty("retracted").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task History_shows_each_event_with_sequence_version_type_data_and_server_metadata()
    {
        var patientId = Guid.NewGuid();
        await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Enrollment(patientId)).ToUrl("/api/patients");
            s.WithRequestHeader("X-Client-Id", "ios-app/3.1");
            s.WithRequestHeader("X-Correlation-ID", "sync-run-1");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });
        var entryId = Guid.NewGuid();
        await app.Host.Scenario(s =>
        {
            s.Post.Json(Records.Episode(entryId, intensity: 6)).ToUrl($"/api/patients/{patientId}/episodes");
            s.WithRequestHeader("X-Client-Id", "android-app/2.0");
            s.WithRequestHeader("X-Correlation-ID", "sync-run-2");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });

        var before = DateTimeOffset.UtcNow;
        var history = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/history"))!;
        history.GetProperty("streamVersion").GetInt64().ShouldBe(2);
        var events = history.GetProperty("events").EnumerateArray().ToList();
        events.Count.ShouldBe(2);

        events[0].GetProperty("type").GetString().ShouldBe("PatientEnrolled");
        events[0].GetProperty("version").GetInt64().ShouldBe(1);
        events[0].GetProperty("client").GetString().ShouldBe("ios-app/3.1");
        events[0].GetProperty("correlationId").GetString().ShouldBe("sync-run-1");
        events[0].GetProperty("actor").GetString().ShouldBe($"patient:{patientId}");
        events[1].GetProperty("actor").GetString().ShouldBe($"patient:{patientId}");

        var episode = events[1];
        episode.GetProperty("type").GetString().ShouldBe("TwitchEpisodeRecorded");
        episode.GetProperty("version").GetInt64().ShouldBe(2);
        episode.GetProperty("sequence").GetInt64().ShouldBeGreaterThan(events[0].GetProperty("sequence").GetInt64());
        episode.GetProperty("client").GetString().ShouldBe("android-app/2.0");
        episode.GetProperty("correlationId").GetString().ShouldBe("sync-run-2");
        episode.GetProperty("data").GetProperty("entryId").GetGuid().ShouldBe(entryId);
        episode.GetProperty("data").GetProperty("intensity").GetInt32().ShouldBe(6);
        episode.GetProperty("data").GetProperty("bodyRegions")[0].GetString().ShouldBe("calf");
        var recordedAt = episode.GetProperty("recordedAt").GetDateTimeOffset();
        recordedAt.ShouldBeInRange(before.AddMinutes(-1), before);
    }

    [Fact]
    public async Task History_pages_by_version()
    {
        var patientId = await app.Host.EnrollAsync();
        for (var i = 0; i < 4; i++)
        {
            await app.Host.Scenario(s =>
            {
                s.Post.Json(Records.Episode()).ToUrl($"/api/patients/{patientId}/episodes");
                s.StatusCodeShouldBe(HttpStatusCode.Created);
            });
        }

        var first = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/history?limit=2"))!;
        first.GetProperty("events").GetArrayLength().ShouldBe(2);
        first.GetProperty("nextFromVersion").GetInt64().ShouldBe(3);

        var last = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/history?fromVersion=3&limit=10"))!;
        last.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("version").GetInt64()).ShouldBe([3L, 4L, 5L]);
        last.GetProperty("nextFromVersion").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    internal static JsonObject EntryFor(string type) => type switch
    {
        "episode" => Records.Episode(),
        "cramp" => Records.Cramp(),
        "trigger" => Records.Trigger(),
        "sleep" => Records.Sleep(),
        "intake" => Records.Intake(),
        "intervention" => Records.Intervention(),
        "symptom" => Records.Symptom(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
