using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Recording;

[Collection(ApiCollection.Name)]
public sealed class IdempotencyAndConcurrencyTests(AppFixture app)
{
    [Fact]
    public async Task The_same_entry_again_answers_200_with_the_first_result_and_stores_nothing()
    {
        var patientId = await app.Host.EnrollAsync();
        var episode = Records.Episode().ToJsonString();
        var first = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", episode);
        first.Status.ShouldBe(HttpStatusCode.Created);

        // Something else is recorded in between, so "the first result" is told apart from "the latest state".
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/cramps", Records.Cramp().ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);

        var replay = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", episode);
        replay.Status.ShouldBe(HttpStatusCode.OK);
        replay.Body.GetRawText().ShouldBe(first.Body.GetRawText());
        replay.Body.GetProperty("version").GetInt64().ShouldBe(2);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(3);
    }

    [Fact]
    public async Task The_same_entry_id_with_different_content_is_a_409_problem()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(entryId, intensity: 3).ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);

        var conflict = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(entryId, intensity: 8).ToJsonString());

        conflict.Status.ShouldBe(HttpStatusCode.Conflict);
        conflict.ContentType.ShouldBe("application/problem+json");
        conflict.Body.ProblemFields().ShouldBe(["entryId"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task Enrollment_with_a_chosen_id_is_idempotent_and_conflicts_on_different_content()
    {
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId, "Bea");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        var replay = await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString());
        replay.Status.ShouldBe(HttpStatusCode.OK);
        replay.Body.GetProperty("displayName").GetString().ShouldBe("Bea");

        var conflict = await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.With("displayName", "Someone Else").ToJsonString());
        conflict.Status.ShouldBe(HttpStatusCode.Conflict);
        conflict.Body.ProblemFields().ShouldBe(["patientId"]);
        (await app.Host.EventCountAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Twenty_parallel_identical_posts_make_exactly_one_event()
    {
        var patientId = await app.Host.EnrollAsync();
        var episode = Records.Episode().ToJsonString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", episode)));

        answers.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(19);
        answers.Select(a => a.Body.GetProperty("version").GetInt64()).Distinct().ShouldBe([2L]);
        (await app.Host.EventCountAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task Twenty_parallel_parallel_identical_enrollments_make_exactly_one_record()
    {
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId).ToJsonString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment)));

        answers.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(19);
        (await app.Host.EventCountAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_stores_nothing()
    {
        var patientId = await app.Host.EnrollAsync();
        var ok = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString(), ("If-Match", "\"1\""));
        ok.Status.ShouldBe(HttpStatusCode.Created);

        var stale = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString(), ("If-Match", "\"1\""));

        stale.Status.ShouldBe(HttpStatusCode.PreconditionFailed);
        stale.ContentType.ShouldBe("application/problem+json");
        stale.Body.ProblemFields().ShouldBe(["If-Match"]);
        stale.Body.GetProperty("currentVersion").GetInt64().ShouldBe(2);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task Twenty_parallel_writes_with_the_same_if_match_let_exactly_one_through()
    {
        var patientId = await app.Host.EnrollAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString(), ("If-Match", "\"1\""))));

        answers.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.Status == HttpStatusCode.PreconditionFailed).ShouldBe(19);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Fact]
    public async Task Parallel_different_entries_without_if_match_are_all_stored()
    {
        var patientId = await app.Host.EnrollAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())));

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.Created);
        answers.Select(a => a.Body.GetProperty("version").GetInt64()).Order().ShouldBe(Enumerable.Range(2, 10).Select(v => (long)v));
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(11);
    }
}
