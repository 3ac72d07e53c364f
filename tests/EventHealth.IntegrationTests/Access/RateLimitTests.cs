using System.Net;
using System.Text.Json;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Access;

/// <summary>The real host with read and anonymous limits lowered for it alone, so that a test can reach them.</summary>
public sealed class RateLimitedHost : IAsyncLifetime
{
    public const int ReadsPerMinute = 5;
    public const int AnonymousPerMinute = 3;

    public SeparateHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await SeparateHost.CreateAsync("Testing",
            ("Auth:Issuer", TestTokens.Settings.Issuer),
            ("Auth:Audience", TestTokens.Settings.Audience),
            ("Auth:SigningKey", TestTokens.Settings.SigningKey!),
            ("RateLimits:ReadsPerMinute", ReadsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("RateLimits:AnonymousPerMinute", AnonymousPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Host.StartServer();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Every read and every anonymous request is audited, so both are bounded: reads per identity, requests without a valid
/// token per client address. Over real TCP, so the client address is a real one. Throttled requests are audited too.
/// </summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class RateLimitTests(RateLimitedHost api) : IClassFixture<RateLimitedHost>
{
    [Fact]
    public async Task Reads_beyond_the_budget_of_one_patient_get_a_429_problem_with_Retry_After_while_another_patient_reads_on()
    {
        var (patientA, patientB) = (await EnrollAsync(), await EnrollAsync());
        using var clientA = api.Host.Client(TestTokens.Patient(patientA));
        using var clientB = api.Host.Client(TestTokens.Patient(patientB));

        var allowed = new List<string>();
        for (var i = 0; i < RateLimitedHost.ReadsPerMinute; i++)
        {
            var read = await SendAsync(clientA, $"/api/patients/{patientA}");
            read.Response.StatusCode.ShouldBe(HttpStatusCode.OK, $"read {i + 1} of {RateLimitedHost.ReadsPerMinute}");
            allowed.Add(read.CorrelationId);
        }

        var throttled = await SendAsync(clientA, $"/api/patients/{patientA}");
        ShouldBeThrottledProblem(throttled.Response, throttled.Body, $"{RateLimitedHost.ReadsPerMinute} reads");
        // The budget is per identity: another patient's reads go on.
        (await SendAsync(clientB, $"/api/patients/{patientB}")).Response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var audit = await AuditAsync(patientA);
        audit[throttled.CorrelationId].ShouldBe(("throttled", 429, $"patient:{patientA}"));
        foreach (var id in allowed)
        {
            audit[id].ShouldBe(("allowed", 200, $"patient:{patientA}"));
        }
    }

    [Fact]
    public async Task Anonymous_requests_beyond_the_budget_of_one_client_address_get_a_429_problem_and_are_audited_as_throttled()
    {
        var patientId = Guid.NewGuid();
        var url = $"/api/patients/{patientId}";
        using var anonymous = api.Host.Client();
        using var fromAnotherAddress = api.Host.Client(from: IPAddress.Parse("127.0.0.2"));

        var denied = new List<string>();
        for (var i = 0; i < RateLimitedHost.AnonymousPerMinute; i++)
        {
            var refused = await SendAsync(anonymous, url);
            refused.Response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"request {i + 1} of {RateLimitedHost.AnonymousPerMinute}");
            denied.Add(refused.CorrelationId);
        }

        var throttled = await SendAsync(anonymous, url);
        ShouldBeThrottledProblem(throttled.Response, throttled.Body, $"{RateLimitedHost.AnonymousPerMinute} requests without a valid token");
        // The budget is per client address: another address still gets its 401, the answer that says what to fix.
        var elsewhere = await SendAsync(fromAnotherAddress, url);
        elsewhere.Response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var audit = await AuditAsync(patientId);
        audit[throttled.CorrelationId].ShouldBe(("throttled", 429, "anonymous"));
        foreach (var id in denied.Append(elsewhere.CorrelationId))
        {
            audit[id].ShouldBe(("denied", 401, "anonymous"));
        }

        audit.Count.ShouldBe(RateLimitedHost.AnonymousPerMinute + 2);
    }

    private static void ShouldBeThrottledProblem(HttpResponseMessage response, JsonElement problem, string budget)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        retryAfter.ShouldNotBeNull();
        retryAfter.Value.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        problem.GetProperty("status").GetInt32().ShouldBe(429);
        problem.GetProperty("type").GetString().ShouldEndWith("rate-limited");
        problem.GetProperty("detail").GetString()!.ShouldContain($"At most {budget} per minute");
    }

    private async Task<Guid> EnrollAsync()
    {
        var patientId = Guid.NewGuid();
        using var client = api.Host.Client(TestTokens.Patient(patientId));
        using var enrolled = await client.PostAsync("/api/patients", Records.JsonContent(Records.Enrollment(patientId)));
        enrolled.StatusCode.ShouldBe(HttpStatusCode.Created);
        return patientId;
    }

    /// <summary>A GET with its own correlation id, by which its access-audit record is found.</summary>
    private static async Task<(HttpResponseMessage Response, JsonElement Body, string CorrelationId)> SendAsync(HttpClient client, string url)
    {
        var correlationId = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add(EventHealth.Hosting.CorrelationId.HeaderName, correlationId);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
        return (response, body, correlationId);
    }

    /// <summary>The access audit of one patient's record, read by an auditor of its own (reads are limited per identity).</summary>
    private async Task<Dictionary<string, (string Outcome, int Status, string Actor)>> AuditAsync(Guid patientId)
    {
        using var auditor = api.Host.Client(TestTokens.For(Roles.Auditor, $"auditor-{Guid.NewGuid():N}"));
        var (response, audit, _) = await SendAsync(auditor, $"/api/audit?patientId={patientId}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return audit.GetProperty("records").EnumerateArray().ToDictionary(
            record => record.GetProperty("correlationId").GetString()!,
            record => (record.GetProperty("outcome").GetString()!, record.GetProperty("status").GetInt32(), record.GetProperty("actor").GetString()!));
    }
}
