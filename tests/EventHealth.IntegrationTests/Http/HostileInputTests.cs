using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// The defects an outside fault run found in input handling (issue 11): each answers a 400/415 problem naming the
/// field, stores nothing (no event, no orphan stream), and puts no record text in the logs.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class HostileInputTests(AppFixture app)
{
    private const string Nul = "\\u0000";

    [Fact]
    public async Task A_NUL_in_the_enrollment_is_refused_without_an_orphan_stream_or_a_log_line()
    {
        var canary = $"NULCANARY{Guid.NewGuid():N}";
        var patientId = Guid.NewGuid();
        var body = Records.Enrollment(patientId).ToJsonString().Replace("Test Patient", canary + Nul, StringComparison.Ordinal);

        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", body);

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe(["displayName"]);
        await using (var session = app.Host.QueryFor(patientId))
        {
            (await session.Events.FetchStreamStateAsync(patientId)).ShouldBeNull("no orphan stream row");
        }

        app.Logs.Lines.Where(line => line.Contains(canary, StringComparison.Ordinal)).ShouldBeEmpty();
    }

    public static TheoryData<string, string, string> UnstorableText => new()
    {
        { "trigger details", "triggers", Records.Trigger().With("details", "x").ToJsonString().Replace("\"x\"", $"\"a{Nul}b\"", StringComparison.Ordinal) },
        { "batch entry details", "entries/batch", $"{{\"entries\": [{Records.Episode().Typed("episode").ToJsonString()}, {Records.Trigger().Typed("trigger").With("details", "x").ToJsonString().Replace("\"x\"", $"\"{Nul}\"", StringComparison.Ordinal)}]}}" },
        { "lone surrogate", "triggers", Records.Trigger().With("details", "x").ToJsonString().Replace("\"x\"", "\"\\ud800\"", StringComparison.Ordinal) },
        { "NUL in a field name", "triggers", Records.Trigger().ToJsonString().Replace("{", $"{{\"a{Nul}\": 1, ", StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(UnstorableText))]
    public async Task Unstorable_text_anywhere_is_a_400_naming_the_field_and_stores_nothing(string because, string route, string body)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", body);

        status.ShouldBe(HttpStatusCode.BadRequest, because);
        problem.GetProperty("type").GetString().ShouldEndWith("/validation");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1, because);
    }

    [Fact]
    public async Task A_NUL_in_a_retraction_reason_is_refused()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(entryId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{entryId}/retraction", $"{{\"reason\": \"typo{Nul}\"}}");

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe(["reason"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
    }

    [Theory]
    [InlineData("episodes")]
    [InlineData("entries/batch")]
    [InlineData("triggers")]
    public async Task A_body_of_literally_null_is_a_400_problem(string route)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, contentType) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", "null");

        status.ShouldBe(HttpStatusCode.BadRequest);
        contentType.ShouldBe("application/problem+json");
        problem.ProblemFields().ShouldBe(["body"]);
    }

    [Fact]
    public async Task A_null_enrollment_body_is_a_400_problem() =>
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", " null ")).Status.ShouldBe(HttpStatusCode.BadRequest);

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_does_not_say_it_is_JSON_is_a_415_problem(string? contentType)
    {
        var patientId = await app.Host.EnrollAsync();
        using var client = app.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/episodes")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Records.Episode().ToJsonString())),
        };
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    public static TheoryData<string, string, string> DuplicateKeys => new()
    {
        { "episodes", Records.Episode().ToJsonString().Replace("\"intensity\":4", "\"intensity\":4,\"intensity\":9", StringComparison.Ordinal), "intensity" },
        { "episodes", Records.Episode().ToJsonString().Replace("\"intensity\":4", "\"intensity\":4,\"Intensity\":9", StringComparison.Ordinal), "Intensity" },
        { "entries/batch", $"{{\"entries\": [{Records.Cramp().Typed("cramp").ToJsonString().Replace("\"severity\":", "\"severity\":1,\"severity\":", StringComparison.Ordinal)}]}}", "entries[0].severity" },
    };

    [Theory]
    [MemberData(nameof(DuplicateKeys))]
    public async Task A_field_given_twice_is_a_400_naming_it(string route, string body, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", body);

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe([field]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    public static TheoryData<string, JsonObject, string> OffContractSpellings => new()
    {
        { "episodes", Records.Episode().With("side", "LEFT"), "side" },
        { "episodes", Records.Episode().With("side", " left"), "side" },
        { "episodes", Records.Episode().With("side", "Left"), "side" },
        { "episodes", Records.Episode().With("side", "left,right"), "side" },
        { "triggers", Records.Trigger().With("kind", "poorSleep"), "kind" },
        { "triggers", Records.Trigger().With("kind", "PoorSleep"), "kind" },
        { "triggers", Records.Trigger().With("kind", "poor_sleep"), "kind" },
    };

    [Theory]
    [MemberData(nameof(OffContractSpellings))]
    public async Task Only_the_contract_spelling_of_a_vocabulary_value_is_accepted(string route, JsonObject body, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", body.ToJsonString());

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe([field]);
    }

    [Theory]
    [InlineData("a@b.")]
    [InlineData("a@.b")]
    [InlineData("a@b..c")]
    [InlineData("a@-b.c")]
    [InlineData("a@b.1")]
    public async Task An_email_a_relay_would_not_take_is_refused(string email)
    {
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment().With("email", email).ToJsonString());

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe(["email"]);
    }

    [Fact]
    public async Task A_time_zone_typed_in_another_case_is_stored_as_the_iana_id()
    {
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId).With("timeZone", "pacific/kiritimati");
        var enrolled = await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString(), ("Authorization", $"Bearer {TestTokens.Patient(patientId)}"));
        enrolled.Status.ShouldBe(HttpStatusCode.Created);
        enrolled.Body.GetProperty("timeZone").GetString().ShouldBe("Pacific/Kiritimati");

        var changed = await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"timeZone\":\"europe/paris\"}");
        changed.Status.ShouldBe(HttpStatusCode.OK);
        changed.Body.GetProperty("timeZone").GetString().ShouldBe("Europe/Paris");
        var again = await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"timeZone\":\"EUROPE/PARIS\"}");
        again.Body.GetProperty("version").GetInt64().ShouldBe(2, "the same zone in another case changes nothing");
    }

    [Fact]
    public async Task A_query_timestamp_without_an_offset_is_read_as_utc()
    {
        var patientId = await app.Host.EnrollAsync();
        var episode = Records.Episode(occurredAt: new DateTimeOffset(2026, 1, 5, 10, 30, 0, TimeSpan.Zero));
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", episode.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        var inside = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline?from=2026-01-05T10:00:00&to=2026-01-05T11:00:00", null);
        inside.Status.ShouldBe(HttpStatusCode.OK);
        inside.Body.GetProperty("items").GetArrayLength().ShouldBe(1);
        var after = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline?from=2026-01-05T10:31:00&asOf=2099-01-01T00:00:00", null);
        after.Status.ShouldBe(HttpStatusCode.OK);
        after.Body.GetProperty("items").GetArrayLength().ShouldBe(0);
        (await app.Host.SendRawAsync(HttpMethod.Get, "/api/audit?from=2026-01-05T10:00:00", null)).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/timeline?from=2026-01-05T10:00:00+02:00", "from")]
    [InlineData("/timeline?asOf=2026-01-05T10:00:00.5+0100", "asOf")]
    public async Task An_unencoded_plus_in_a_query_offset_is_refused_with_a_hint(string query, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{query}", null);

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.ProblemFields().ShouldBe([field]);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain("%2B");
    }

    [Theory]
    [InlineData("/timeline?from=yesterday", "from", "ISO-8601 timestamp")]
    [InlineData("/timeline?limit=many", "limit", "integer")]
    public async Task An_unparseable_query_value_says_what_was_expected(string query, string field, string expected)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{query}", null);

        status.ShouldBe(HttpStatusCode.BadRequest);
        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldContain(expected);
    }

    [Fact]
    public async Task Negative_zero_is_stored_and_fingerprinted_as_zero_so_a_retry_is_the_same_entry()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        var body = Records.Sleep(entryId).With("hours", 1).ToJsonString().Replace("\"hours\":1", "\"hours\":-0.0", StringComparison.Ordinal);

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/sleep", body)).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/sleep", body)).Status.ShouldBe(HttpStatusCode.OK);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/sleep", body.Replace("-0.0", "0", StringComparison.Ordinal))).Status
            .ShouldBe(HttpStatusCode.OK, "0 and -0.0 are the same number");

        var rebuild = await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/projections/rebuild?repair=true", null);
        rebuild.Status.ShouldBe(HttpStatusCode.OK);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/sleep", body)).Status.ShouldBe(HttpStatusCode.OK, "a retry after a repair");
        var check = await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/projections/rebuild?repair=false", null);
        check.Body.GetProperty("allEqual").GetBoolean().ShouldBeTrue(check.Body.ToString());
    }
}
