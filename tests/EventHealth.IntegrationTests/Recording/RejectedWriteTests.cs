using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>
/// Every class of bad input gets an RFC 9457 answer naming the field, never a 5xx, and never moves the stream.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class RejectedWriteTests(AppFixture app)
{
    public static TheoryData<string, string, string> InvalidEpisodes => new()
    {
        { "missing entryId", Records.Episode().Without("entryId").ToJsonString(), "entryId" },
        { "missing occurredAt", Records.Episode().Without("occurredAt").ToJsonString(), "occurredAt" },
        { "missing intensity", Records.Episode().Without("intensity").ToJsonString(), "intensity" },
        { "missing bodyRegions", Records.Episode().Without("bodyRegions").ToJsonString(), "bodyRegions" },
        { "unknown body region", Records.Episode().With("bodyRegions", new JsonArray("calf", "knee")).ToJsonString(), "bodyRegions[1]" },
        { "unknown side", Records.Episode().With("side", "up").ToJsonString(), "side" },
        { "numeric enum", Records.Episode().With("side", 1).ToJsonString(), "side" },
        { "intensity above 10", Records.Episode().With("intensity", 11).ToJsonString(), "intensity" },
        { "negative intensity", Records.Episode().With("intensity", -1).ToJsonString(), "intensity" },
        { "negative duration", Records.Episode().With("durationSeconds", -5).ToJsonString(), "durationSeconds" },
        { "intensity of the wrong type", Records.Episode().With("intensity", "high").ToJsonString(), "intensity" },
        // Theory data is built when the suite is discovered, minutes before this runs: far enough ahead to stay in the future.
        { "occurredAt a day ahead", Records.Episode(occurredAt: DateTimeOffset.UtcNow.AddDays(1)).ToJsonString(), "occurredAt" },
        { "occurredAt before 1900", Records.Episode(occurredAt: new DateTimeOffset(1899, 12, 31, 0, 0, 0, TimeSpan.Zero)).ToJsonString(), "occurredAt" },
        { "occurredAt not a date", Records.Episode().With("occurredAt", "yesterday").ToJsonString(), "occurredAt" },
        { "occurredAt without offset", Records.Episode().With("occurredAt", "2026-01-05T10:00:00").ToJsonString(), "occurredAt" },
        { "number as a string", Records.Episode().With("intensity", "4").ToJsonString(), "intensity" },
        { "malformed JSON", "{\"entryId\": ", "body" },
        { "not an object", "[1, 2, 3]", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidEpisodes))]
    public async Task Invalid_episode_is_a_400_problem_naming_the_field_and_stores_nothing(string because, string body, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, contentType) = await PostRawAsync($"/api/patients/{patientId}/episodes", body);

        status.ShouldBe(HttpStatusCode.BadRequest, because);
        contentType.ShouldBe("application/problem+json");
        Fields(problem).ShouldContain(field, because);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1, because);
    }

    public static TheoryData<string, string, JsonObject, string> InvalidOtherEntries => new()
    {
        { "cramps", "severity above 10", Records.Cramp().With("severity", 11), "severity" },
        { "cramps", "unknown region", Records.Cramp().With("bodyRegion", "tail"), "bodyRegion" },
        { "triggers", "unknown trigger kind", Records.Trigger().With("kind", "full-moon"), "kind" },
        { "triggers", "level above 10", Records.Trigger().With("level", 12), "level" },
        { "sleep", "hours above 24", Records.Sleep().With("hours", 25), "hours" },
        { "sleep", "quality 0", Records.Sleep().With("quality", 0), "quality" },
        { "sleep", "missing night", Records.Sleep().Without("night"), "night" },
        { "intake", "negative water", Records.Intake().With("waterMl", -100), "waterMl" },
        { "intake", "negative caffeine", Records.Intake().With("caffeineMg", -1), "caffeineMg" },
        { "intake", "no amount at all", Records.Intake().Without("waterMl").Without("caffeineMg"), "waterMl" },
        { "interventions", "unknown intervention", Records.Intervention().With("kind", "crystals"), "kind" },
        { "interventions", "negative dose", Records.Intervention().With("doseMg", -3), "doseMg" },
        { "symptoms", "unknown symptom", Records.Symptom().With("kind", "headache"), "kind" },
        { "symptoms", "missing severity", Records.Symptom().Without("severity"), "severity" },
    };

    [Theory]
    [MemberData(nameof(InvalidOtherEntries))]
    public async Task Invalid_entries_of_every_type_are_400_problems_naming_the_field(string route, string because, JsonObject body, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await PostRawAsync($"/api/patients/{patientId}/{route}", body.ToJsonString());

        status.ShouldBe(HttpStatusCode.BadRequest, because);
        Fields(problem).ShouldContain(field, because);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1, because);
    }

    public static TheoryData<string, JsonObject, string> InvalidEnrollments => new()
    {
        { "invalid time zone", Records.Enrollment().With("timeZone", "Mars/Olympus_Mons"), "timeZone" },
        { "Windows time zone name", Records.Enrollment().With("timeZone", "Pacific Standard Time"), "timeZone" },
        { "invalid email", Records.Enrollment().With("email", "not-an-email"), "email" },
        { "invalid clinician email", Records.Enrollment().With("clinicianEmail", "dr@"), "clinicianEmail" },
        { "missing display name", Records.Enrollment().Without("displayName"), "displayName" },
        { "missing email", Records.Enrollment().Without("email"), "email" },
        { "alertEmails not a boolean", Records.Enrollment().With("alertEmails", "yes"), "alertEmails" },
    };

    [Theory]
    [MemberData(nameof(InvalidEnrollments))]
    public async Task Invalid_enrollment_is_a_400_problem_and_creates_no_record(string because, JsonObject body, string field)
    {
        var patientId = Guid.Parse(body["patientId"]!.GetValue<string>());
        var (status, problem, _) = await PostRawAsync("/api/patients", body.ToJsonString());

        status.ShouldBe(HttpStatusCode.BadRequest, because);
        Fields(problem).ShouldContain(field, because);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(0, because);
    }

    [Fact]
    public async Task Invalid_contact_change_is_a_400_problem_naming_the_field()
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"timeZone\":\"Nowhere/Land\"}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        Fields(problem).ShouldContain("timeZone");

        (status, problem, _) = await SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        Fields(problem).ShouldContain("body");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Body_over_the_size_limit_is_413()
    {
        var patientId = await app.Host.EnrollAsync();
        var huge = Records.Trigger().With("details", new string('x', 2 * 1024 * 1024)).ToJsonString();
        var (status, problem, contentType) = await PostRawAsync($"/api/patients/{patientId}/triggers", huge);

        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        contentType.ShouldBe("application/problem+json");
        Fields(problem).ShouldContain("body");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        var patientId = await app.Host.EnrollAsync();
        using var client = app.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/episodes")
        {
            Content = new StringContent(Records.Episode().ToJsonString(), Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new("Bearer", TestTokens.Patient(patientId));
        using var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Fact]
    public async Task Writing_to_an_unknown_patient_is_404_and_creates_no_stream()
    {
        var unknown = Guid.NewGuid();
        var (status, problem, contentType) = await PostRawAsync($"/api/patients/{unknown}/episodes", Records.Episode().ToJsonString());

        status.ShouldBe(HttpStatusCode.NotFound);
        contentType.ShouldBe("application/problem+json");
        Fields(problem).ShouldContain("patientId");
        (await app.Host.StreamVersionAsync(unknown)).ShouldBe(0);

        (status, _, _) = await SendRawAsync(HttpMethod.Get, $"/api/patients/{unknown}", null);
        status.ShouldBe(HttpStatusCode.NotFound);
        (status, _, _) = await SendRawAsync(HttpMethod.Get, $"/api/patients/{unknown}/history", null);
        status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Retracting_an_unknown_entry_is_404_and_retracting_twice_is_409()
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await PostRawAsync($"/api/patients/{patientId}/entries/{Guid.NewGuid()}/retraction", "{\"reason\":\"typo\"}");
        status.ShouldBe(HttpStatusCode.NotFound);
        Fields(problem).ShouldContain("entryId");

        var entryId = Guid.NewGuid();
        (status, _, _) = await PostRawAsync($"/api/patients/{patientId}/episodes", Records.Episode(entryId).ToJsonString());
        status.ShouldBe(HttpStatusCode.Created);
        (status, _, _) = await PostRawAsync($"/api/patients/{patientId}/entries/{entryId}/retraction", "{\"reason\":\"typo\"}");
        status.ShouldBe(HttpStatusCode.Created);

        (status, problem, _) = await PostRawAsync($"/api/patients/{patientId}/entries/{entryId}/retraction", "{\"reason\":\"typo\"}");
        status.ShouldBe(HttpStatusCode.Conflict);
        Fields(problem).ShouldContain("entryId");

        (status, problem, _) = await PostRawAsync($"/api/patients/{patientId}/entries/{entryId}/retraction", "{}");
        status.ShouldBe(HttpStatusCode.BadRequest);
        Fields(problem).ShouldContain("reason");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(3);
    }

    [Fact]
    public async Task An_unparseable_if_match_is_a_400_problem()
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes",
            Records.Episode().ToJsonString(), ("If-Match", "\"seven\""));

        status.ShouldBe(HttpStatusCode.BadRequest);
        Fields(problem).ShouldContain("If-Match");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);
    }

    [Theory]
    [InlineData("GET", "/api/patients/not-a-uuid")]
    [InlineData("POST", "/api/patients/not-a-uuid/episodes")]
    [InlineData("GET", "/api/patients/00000000-0000-0000-0000-000000000001/alerts/not-a-uuid/explanation")]
    public async Task A_malformed_id_in_the_path_is_a_problem_not_a_server_error(string method, string url)
    {
        var (status, _, contentType) = await SendRawAsync(new HttpMethod(method), url, method == "POST" ? Records.Episode().ToJsonString() : null);
        ((int)status).ShouldBeInRange(400, 499);
        contentType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task A_bad_history_query_is_a_400_problem_naming_the_parameter()
    {
        var patientId = await app.Host.EnrollAsync();
        var (status, problem, _) = await SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/history?limit=0", null);
        status.ShouldBe(HttpStatusCode.BadRequest);
        Fields(problem).ShouldContain("limit");
    }

    private Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> PostRawAsync(string url, string body) =>
        app.Host.SendRawAsync(HttpMethod.Post, url, body);

    private Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> SendRawAsync(HttpMethod method, string url, string? body) =>
        app.Host.SendRawAsync(method, url, body);

    private static string[] Fields(JsonElement problem) => problem.ProblemFields();
}
