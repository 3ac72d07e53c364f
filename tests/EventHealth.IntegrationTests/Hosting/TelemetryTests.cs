using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Hosting;

[Collection(ApiCollection.Name)]
public sealed class TelemetryTests(AppFixture app)
{
    [Fact]
    public async Task A_write_that_cascades_is_one_trace_with_http_database_and_message_spans()
    {
        var patientId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "speech-difficulty").ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);

        // The detection run appends alerts and cascades one email message per recipient through the outbox.
        var traceId = ActivityTraceId.CreateRandom();
        var traceparent = $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null, ("traceparent", traceparent))).Status.ShouldBe(HttpStatusCode.OK);

        IReadOnlyList<Activity> spans = [];
        for (var wait = 0; wait < 100 && !spans.Any(s => s.DisplayName.StartsWith("email", StringComparison.Ordinal)); wait++)
        {
            await Task.Delay(200);
            spans = app.Spans.InTrace(traceId);
        }

        spans.ShouldContain(s => s.Source.Name == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server, "the HTTP server span");
        spans.ShouldContain(s => s.Source.Name == "Npgsql", "database spans");
        spans.ShouldContain(s => s.Source.Name == "Wolverine", "message spans (the RaiseAlerts command and its cascaded emails)");
        spans.ShouldContain(s => s.Source.Name == "EventHealth" && s.DisplayName == "email alert", "the alert email, handled from the outbox in the same trace");
        // Npgsql 10 names the statement db.query.text (db.statement before). The check must see statements, or it
        // proves nothing: some span carries one, and none carries the record's text.
        var statements = spans.Where(s => s.Source.Name == "Npgsql").Select(s => s.GetTagItem("db.query.text") as string).OfType<string>().ToList();
        statements.ShouldNotBeEmpty("database spans carry their statement in db.query.text");
        statements.ShouldContain(text => text.Contains("mt_events", StringComparison.Ordinal), "the statements include the event appends");
        statements.ShouldAllBe(text => !text.Contains("speech", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_expose_requests_detection_runs_and_emails_to_operators_only()
    {
        var patientId = Guid.NewGuid();
        var email = $"metrics-{patientId:N}@example.org";
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).With("email", email).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "speech-difficulty").ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldNotBeEmpty();

        using var client = app.Host.Server.CreateClient();
        string metrics = "";
        for (var wait = 0; wait < 50 && !metrics.Contains("eventhealth_emails_total", StringComparison.Ordinal); wait++)
        {
            using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            scrape.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(Roles.Operator, "scraper"));
            using var response = await client.SendAsync(scrape);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            metrics = await response.Content.ReadAsStringAsync();
            await Task.Delay(200);
        }

        metrics.ShouldContain("http_server_request_duration_seconds");
        metrics.ShouldContain("db_client_operation_duration_seconds");
        metrics.ShouldContain("wolverine_outbox_count");
        metrics.ShouldContain("wolverine_messages_succeeded");
        metrics.ShouldContain("eventhealth_detection_runs_total");
        metrics.ShouldContain("eventhealth_detection_run_duration_seconds");
        metrics.ShouldContain("eventhealth_emails_total{");
        metrics.ShouldContain("outcome=\"sent\"");
        metrics.ShouldNotContain(patientId.ToString());

        using var asPatient = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        asPatient.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Patient(patientId));
        (await client.SendAsync(asPatient)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await client.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
