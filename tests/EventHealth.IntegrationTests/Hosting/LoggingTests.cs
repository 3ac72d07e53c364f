using System.Net;
using EventHealth.Hosting;
using EventHealth.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace EventHealth.IntegrationTests.Hosting;

[Collection(ApiCollection.Name)]
public sealed class LoggingTests(AppFixture app)
{
    [Fact]
    public async Task A_client_typo_logs_one_information_line_and_nothing_at_error()
    {
        var patientId = await app.Host.EnrollAsync();
        var correlationId = $"typo-{Guid.NewGuid():N}";
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", "{\"intensity\": 4,, }", (CorrelationId.HeaderName, correlationId)))
            .Status.ShouldBe(HttpStatusCode.BadRequest);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", "{\"side\": \"middle\"}", (CorrelationId.HeaderName, correlationId)))
            .Status.ShouldBe(HttpStatusCode.BadRequest);

        var lines = app.Logs.Lines.Where(l => l.Contains(correlationId, StringComparison.Ordinal)).ToList();
        lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal))
            .ShouldBeEmpty();
        lines.Count(l => l.StartsWith($"Information {RequestLog.Category}: HTTP POST /api/patients/{{patientId}}/episodes answered 400", StringComparison.Ordinal))
            .ShouldBe(2);
    }

    [Fact]
    public async Task A_full_scenario_logs_requests_emails_and_runs_but_no_record_text()
    {
        var canary = $"LOGCANARY{Guid.NewGuid():N}";
        var patientId = Guid.NewGuid();
        var email = $"{canary.ToLowerInvariant()}@example.org";
        var enrollment = Records.Enrollment(patientId, displayName: canary).With("email", email).With("timeZone", "UTC");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/triggers", Records.Trigger().With("details", canary).ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().With("notes", canary).ToJsonString())).Status
            .ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.BadRequest);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "speech-difficulty").With("details", canary).ToJsonString()))
            .Status.ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.BadRequest);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "speech-difficulty").ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/digest/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(30), atLeast: 2);
        foreach (var read in new[] { "", "/timeline", "/history", "/export", "/alerts", "/days" })
        {
            await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{read}", null);
        }

        var lines = app.Logs.Lines.ToList();
        lines.Where(l => l.Contains(canary, StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty();
        lines.ShouldContain(l => l.StartsWith($"Information {RequestLog.Category}: HTTP GET /api/patients/{{patientId}}/timeline answered 200", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("Email alert alert.", StringComparison.Ordinal) && l.Contains(" sent in ", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("Email digest digest.", StringComparison.Ordinal) && l.Contains(" sent in ", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("Detection run detection-", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_log_timestamps_end_with_the_zone_not_a_space()
    {
        var options = app.Host.Services.GetRequiredService<IOptionsMonitor<JsonConsoleFormatterOptions>>().CurrentValue;
        options.TimestampFormat.ShouldBe("yyyy-MM-ddTHH:mm:ss.fffZ");
        options.UseUtcTimestamp.ShouldBeTrue();
    }
}
