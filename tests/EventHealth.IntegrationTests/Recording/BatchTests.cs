using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Recording;

[Collection(ApiCollection.Name)]
public sealed class BatchTests(AppFixture app)
{
    private static JsonObject Batch(params JsonObject[] entries) =>
        new() { ["entries"] = new JsonArray(entries.Select(e => (JsonNode)e.DeepClone()).ToArray()) };

    [Fact]
    public async Task A_mixed_batch_is_stored_in_one_write_with_one_result_per_entry()
    {
        var patientId = await app.Host.EnrollAsync();
        var batch = Batch(
            Records.Episode().Typed("episode"), Records.Cramp().Typed("cramp"), Records.Trigger().Typed("trigger"),
            Records.Sleep().Typed("sleep"), Records.Intake().Typed("intake"), Records.Intervention().Typed("intervention"),
            Records.Symptom().Typed("symptom"));

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.OK);
        answer.Body.GetProperty("version").GetInt64().ShouldBe(8);
        answer.Body.GetProperty("created").GetInt32().ShouldBe(7);
        var results = answer.Body.GetProperty("results").EnumerateArray().ToList();
        results.Select(r => r.GetProperty("type").GetString()).ShouldBe(["episode", "cramp", "trigger", "sleep", "intake", "intervention", "symptom"]);
        results.Select(r => r.GetProperty("version").GetInt64()).ShouldBe([2L, 3L, 4L, 5L, 6L, 7L, 8L]);
        results.ShouldAllBe(r => r.GetProperty("status").GetString() == "created");

        // One write: every event of the batch carries the same correlation id and the same recordedAt.
        var history = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/history", null);
        var batchEvents = history.Body.GetProperty("events").EnumerateArray().Skip(1).ToList();
        batchEvents.Select(e => e.GetProperty("correlationId").GetString()).Distinct().Count().ShouldBe(1);
        batchEvents.Select(e => e.GetProperty("recordedAt").GetString()).Distinct().Count().ShouldBe(1);
    }

    [Fact]
    public async Task One_invalid_entry_rejects_the_whole_batch_naming_its_index_and_field()
    {
        var patientId = await app.Host.EnrollAsync();
        var batch = Batch(Records.Episode().Typed("episode"), Records.Cramp().Typed("cramp"), Records.Episode(intensity: 42).Typed("episode"));

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.BadRequest);
        answer.Body.ProblemFields().ShouldBe(["entries[2].intensity"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Wrong_types_and_ranges_in_several_entries_are_all_named_by_index()
    {
        var patientId = await app.Host.EnrollAsync();
        var batch = Batch(Records.Episode().Typed("episode").With("intensity", "4"), Records.Cramp().Typed("cramp"),
            Records.Cramp().Typed("cramp").With("occurredAt", "2026-03-29T08:15:00").With("entryId", "abc"), Records.Cramp().Typed("cramp").With("severity", 42));

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.BadRequest);
        answer.Body.ProblemFields().ShouldBe(["entries[0].intensity", "entries[2].entryId", "entries[2].occurredAt", "entries[3].severity"], ignoreOrder: true,
            "the range error beside the type errors too");
        var errors = answer.Body.GetProperty("errors");
        errors.GetProperty("entries[0].intensity")[0].GetString().ShouldBe("must be an integer from 0 to 10");
        errors.GetProperty("entries[2].entryId")[0].GetString()!.ShouldStartWith("must be a UUID");
        errors.GetProperty("entries[2].occurredAt")[0].GetString()!.ShouldContain("with an offset");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Theory]
    [InlineData("unknown type", "{\"entries\":[{\"type\":\"mood\",\"entryId\":\"3f0d3f6e-3c39-4c8e-9d47-0b8d3f8f0c11\"}]}", "entries[0]")]
    [InlineData("missing type", "{\"entries\":[{\"entryId\":\"3f0d3f6e-3c39-4c8e-9d47-0b8d3f8f0c11\",\"occurredAt\":\"2026-01-01T00:00:00Z\"}]}", "entries[0].type")]
    [InlineData("unknown enum deep in the batch", "{\"entries\":[{\"type\":\"trigger\",\"kind\":\"stress\"},{\"type\":\"trigger\",\"kind\":\"moon\"}]}", "entries[1].kind")]
    [InlineData("no entries", "{\"entries\":[]}", "entries")]
    [InlineData("entries missing", "{}", "entries")]
    [InlineData("null entry", "{\"entries\":[null]}", "entries[0]")]
    public async Task Malformed_batches_are_400_problems_naming_the_entry(string because, string body, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", body);

        answer.Status.ShouldBe(HttpStatusCode.BadRequest, because);
        answer.Body.ProblemFields().ShouldContain(f => f.StartsWith(field, StringComparison.Ordinal), because);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1, because);
    }

    [Fact]
    public async Task More_than_500_entries_are_refused()
    {
        var patientId = await app.Host.EnrollAsync();
        var batch = Batch(Enumerable.Range(0, 501).Select(_ => Records.Intake().Typed("intake")).ToArray());

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.BadRequest);
        answer.Body.ProblemFields().ShouldBe(["entries"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Five_hundred_entries_are_accepted_in_one_transaction()
    {
        var patientId = await app.Host.EnrollAsync();
        var batch = Batch(Enumerable.Range(0, 500).Select(_ => Records.Intake().Typed("intake")).ToArray());

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.OK);
        answer.Body.GetProperty("created").GetInt32().ShouldBe(500);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(501);
    }

    [Fact]
    public async Task Duplicates_inside_and_across_batches_are_reported_per_entry()
    {
        var patientId = await app.Host.EnrollAsync();
        var episode = Records.Episode().Typed("episode");
        var cramp = Records.Cramp().Typed("cramp");

        var first = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", Batch(episode, cramp, episode).ToJsonString());
        first.Status.ShouldBe(HttpStatusCode.OK);
        Statuses(first.Body).ShouldBe(["created", "created", "duplicate"]);
        first.Body.GetProperty("results")[2].GetProperty("version").GetInt64().ShouldBe(2);

        var trigger = Records.Trigger().Typed("trigger");
        var second = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", Batch(cramp, trigger).ToJsonString());
        second.Status.ShouldBe(HttpStatusCode.OK);
        Statuses(second.Body).ShouldBe(["duplicate", "created"]);
        second.Body.GetProperty("results")[0].GetProperty("version").GetInt64().ShouldBe(3);
        second.Body.GetProperty("duplicates").GetInt32().ShouldBe(1);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(4);

        var replay = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", Batch(cramp, trigger).ToJsonString());
        Statuses(replay.Body).ShouldBe(["duplicate", "duplicate"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(4);
    }

    [Fact]
    public async Task A_reused_entry_id_with_other_content_rejects_the_batch_naming_the_entry()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        var batch = Batch(Records.Trigger().Typed("trigger"), Records.Episode(entryId, intensity: 2).Typed("episode"), Records.Episode(entryId, intensity: 9).Typed("episode"));

        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString());

        answer.Status.ShouldBe(HttpStatusCode.Conflict);
        answer.Body.ProblemFields().ShouldBe(["entries[2].entryId"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    private static string?[] Statuses(JsonElement answer) =>
        answer.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetString()).ToArray();
}
