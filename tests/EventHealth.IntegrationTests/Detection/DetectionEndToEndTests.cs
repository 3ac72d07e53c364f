using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Alerts;
using EventHealth.IntegrationTests.Infrastructure;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Tracking;

namespace EventHealth.IntegrationTests.Detection;

[Collection(ApiCollection.Name)]
public sealed class DetectionEndToEndTests(AppFixture app)
{
    private sealed record Patient(Guid Id, string Email, string ClinicianEmail);

    private async Task<Patient> EnrollAsync()
    {
        var id = Guid.NewGuid();
        var patient = new Patient(id, $"patient-{id:N}@example.org", $"clinic-{id:N}@example.org");
        var enrollment = Records.Enrollment(id).With("email", patient.Email).With("clinicianEmail", patient.ClinicianEmail).With("alertEmails", true);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        return patient;
    }

    /// <summary>The article's "coordination problems or balance issues", next to ordinary twitching.</summary>
    private async Task<Guid> RecordBalanceProblemAsync(Patient patient)
    {
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var symptomId = Guid.NewGuid();
        var symptom = Records.Symptom(symptomId).With("kind", "balance-problem").With("severity", 6);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/symptoms", symptom.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        return symptomId;
    }

    private async Task<JsonElement> RunDetectionAsync() =>
        (await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/detection/run");
            s.StatusCodeShouldBeOk();
        })).ReadAsJson<JsonElement>();

    /// <summary>
    /// Runs detection and waits, through Wolverine's message tracking, until every message it caused (the RaiseAlerts
    /// commands and their emails) has been handled, instead of sleeping and hoping.
    /// </summary>
    private Task<ITrackedSession> RunDetectionTrackedAsync() =>
        app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).ExecuteAndWaitAsync((IMessageContext _) => RunDetectionAsync());

    /// <summary>Waits until the email sender has logged a failed attempt for each of these Message-IDs.</summary>
    private async Task WaitForFailedAttemptsAsync(IReadOnlyList<string> messageIds)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            var lines = app.Logs.Lines.Where(l => l.Contains("EventHealth.Email.SmtpMailer", StringComparison.Ordinal) && l.Contains(" failed: ", StringComparison.Ordinal)).ToList();
            if (messageIds.All(id => lines.Any(l => l.Contains(id, StringComparison.Ordinal))))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no failed attempt logged for {string.Join(", ", messageIds)}");
    }

    private static List<SendAlertEmail> EmailsOf(RecordCollection records, Guid patientId) =>
        [.. records.MessagesOf<SendAlertEmail>().Where(m => m.PatientId == patientId)];

    private async Task<List<JsonElement>> AlertsAsync(Guid patientId) =>
        (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts").EnumerateArray().ToList();

    private Task<IReadOnlyList<ReceivedEmail>> EmailsToAsync(string address, int atLeast = 1, int seconds = 20) =>
        app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == address), TimeSpan.FromSeconds(seconds), atLeast);

    [Fact]
    public async Task A_red_flag_journey_raises_one_alert_and_one_email_per_recipient_and_a_rerun_adds_nothing()
    {
        var patient = await EnrollAsync();
        var symptomId = await RecordBalanceProblemAsync(patient);

        var report = await RunDetectionAsync();
        report.GetProperty("alertsRaised").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        report.GetProperty("evaluated").GetInt32().ShouldBeGreaterThanOrEqualTo(1);

        var alert = (await AlertsAsync(patient.Id)).ShouldHaveSingleItem();
        alert.GetProperty("ruleId").GetString().ShouldBe("coordination-or-balance");
        alert.GetProperty("ruleVersion").GetInt32().ShouldBe(1);
        alert.GetProperty("severity").GetString().ShouldBe("urgent");
        alert.GetProperty("criterion").GetString().ShouldBe("Coordination problems or balance issues.");
        alert.GetProperty("evidence").EnumerateArray().Select(e => e.GetGuid()).ShouldBe([symptomId]);
        alert.GetProperty("evaluatedThroughVersion").GetInt64().ShouldBe(3);

        var toPatient = (await EmailsToAsync(patient.Email)).ShouldHaveSingleItem();
        var toClinician = (await EmailsToAsync(patient.ClinicianEmail)).ShouldHaveSingleItem();
        toPatient.Subject.ShouldBe("EventHealth urgent alert: coordination or balance problems");
        var text = toPatient.Text!;
        text.ShouldContain("Hello Test Patient,");
        text.ShouldContain("The article says: \"Coordination problems or balance issues.\"");
        var localDate = TimeZoneInfo.ConvertTime(Records.Yesterday, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris"));
        text.ShouldContain($"- {localDate:yyyy-MM-dd}: Symptom: balance problem in hand, severity 6/10");
        text.ShouldContain("This is not a diagnosis.");
        toClinician.Text!.ShouldContain("You are the clinician contact of Test Patient.");
        toPatient.MessageId.ShouldNotBe(toClinician.MessageId);
        toPatient.MessageId!.ShouldContain(alert.GetProperty("alertId").GetGuid().ToString("N"));

        await WaitForNotificationsAsync(patient.Id, "sent", 2);

        // Again: nothing new, no new email. Once every message of the run is handled, none was an email of this record.
        var rerun = await RunDetectionTrackedAsync();
        EmailsOf(rerun.Sent, patient.Id).ShouldBeEmpty();
        EmailsOf(rerun.Executed, patient.Id).ShouldBeEmpty();
        (await AlertsAsync(patient.Id)).Count.ShouldBe(1);
        (await app.Inbox.AllAsync()).Count(e => e.To.Any(t => t.Address == patient.Email || t.Address == patient.ClinicianEmail)).ShouldBe(2);
    }

    [Fact]
    public async Task With_smtp_down_the_alert_is_stored_and_its_emails_arrive_once_when_smtp_is_back()
    {
        var patient = await EnrollAsync();
        await RecordBalanceProblemAsync(patient);

        // One tracked session from the run to the last delivery: it ends when no message of the scenario is left in
        // flight, retries included. SMTP is down until each email has been refused once (the sender's own log line).
        app.Smtp.Close();
        ITrackedSession session;
        try
        {
            Func<IMessageContext, Task> scenario = async _ =>
            {
                await RunDetectionAsync();
                var alert = (await AlertsAsync(patient.Id)).ShouldHaveSingleItem();
                var alertId = alert.GetProperty("alertId").GetGuid();
                await WaitForFailedAttemptsAsync([AlertEmail.MessageId(alertId, patient.Email), AlertEmail.MessageId(alertId, patient.ClinicianEmail)]);

                alert = (await AlertsAsync(patient.Id)).ShouldHaveSingleItem();
                alert.GetProperty("notifications").EnumerateArray().Select(n => n.GetProperty("status").GetString()).ShouldBe(["pending", "pending"]);
                (await app.Inbox.AllAsync()).ShouldNotContain(e => e.To.Any(t => t.Address == patient.Email || t.Address == patient.ClinicianEmail));
                app.Smtp.Open();
            };
            session = await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).DoNotAssertOnExceptionsDetected().ExecuteAndWaitAsync(scenario);
        }
        finally
        {
            app.Smtp.Open();
        }

        EmailsOf(session.MessageSucceeded, patient.Id).Select(m => m.Recipient).Order().ShouldBe(new[] { patient.ClinicianEmail, patient.Email }.Order());
        EmailsOf(session.Executed, patient.Id).Count.ShouldBeGreaterThan(2, "each email failed at least once before it was sent");
        await WaitForNotificationsAsync(patient.Id, "sent", 2);
        // Every email message of this record has succeeded and none is left to retry: exactly one email each.
        var delivered = await app.Inbox.AllAsync();
        delivered.Count(e => e.To.Any(t => t.Address == patient.Email)).ShouldBe(1);
        delivered.Count(e => e.To.Any(t => t.Address == patient.ClinicianEmail)).ShouldBe(1);
    }

    [Fact]
    public async Task The_explanation_replays_the_record_the_rule_saw_and_reproduces_the_decision()
    {
        var patient = await EnrollAsync();
        var symptomId = await RecordBalanceProblemAsync(patient);
        await RunDetectionAsync();
        var alertId = (await AlertsAsync(patient.Id)).Single().GetProperty("alertId").GetGuid();

        // Later the patient withdraws the symptom: the explanation still replays what the rule saw, and says so.
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/entries/{symptomId}/retraction", "{\"reason\":\"entered by mistake\"}"))
            .Status.ShouldBe(HttpStatusCode.Created);

        var explanation = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patient.Id}/alerts/{alertId}/explanation"))!;
        explanation.GetProperty("reproduces").GetBoolean().ShouldBeTrue();
        explanation.GetProperty("replayedThroughVersion").GetInt64().ShouldBe(3);
        explanation.GetProperty("rule").GetProperty("ruleId").GetString().ShouldBe("coordination-or-balance");
        explanation.GetProperty("rule").GetProperty("version").GetInt32().ShouldBe(1);
        explanation.GetProperty("replayedSeverity").GetString().ShouldBe("urgent");
        var evidence = explanation.GetProperty("evidence").EnumerateArray().Single();
        evidence.GetProperty("entryId").GetGuid().ShouldBe(symptomId);
        evidence.GetProperty("summary").GetString().ShouldBe("Symptom: balance problem in hand, severity 6/10");
        evidence.GetProperty("retractedSince").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Two_runs_at_once_raise_one_alert()
    {
        var patient = await EnrollAsync();
        await RecordBalanceProblemAsync(patient);

        await Task.WhenAll(RunDetectionAsync(), RunDetectionAsync(), RunDetectionAsync());

        (await AlertsAsync(patient.Id)).Count.ShouldBe(1);
        (await EmailsToAsync(patient.Email)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task The_benign_pattern_raises_nothing()
    {
        var patient = await EnrollAsync();
        var batch = new JsonArray();
        for (var day = 1; day <= 42; day++)
        {
            var at = DateTimeOffset.UtcNow.AddDays(-day);
            for (var i = 0; i < day % 3; i++)
            {
                batch.Add(Records.Episode(occurredAt: at.AddMinutes(i), intensity: 2 + (day % 3)).With("painful", false).Typed("episode"));
            }

            if (day % 4 == 0)
            {
                batch.Add(Records.Trigger().With("occurredAt", at.ToString("O")).With("kind", day % 8 == 0 ? "stress" : "caffeine").Typed("trigger"));
            }
        }

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/entries/batch", new JsonObject { ["entries"] = batch }.ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.OK);
        await RunDetectionAsync();

        (await AlertsAsync(patient.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Acknowledging_an_alert_is_recorded_once()
    {
        var patient = await EnrollAsync();
        await RecordBalanceProblemAsync(patient);
        await RunDetectionAsync();
        var alertId = (await AlertsAsync(patient.Id)).Single().GetProperty("alertId").GetGuid();

        var first = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/alerts/{alertId}/acknowledgement", "{\"note\":\"booked a GP visit\"}");
        first.Status.ShouldBe(HttpStatusCode.Created);
        var again = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/alerts/{alertId}/acknowledgement", "{}");
        again.Status.ShouldBe(HttpStatusCode.OK);
        again.Body.GetProperty("note").GetString().ShouldBe("booked a GP visit");

        var unknown = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/alerts/{Guid.NewGuid()}/acknowledgement", "{}");
        unknown.Status.ShouldBe(HttpStatusCode.NotFound);
        unknown.Body.ProblemFields().ShouldBe(["alertId"]);

        var alert = (await AlertsAsync(patient.Id)).Single();
        alert.GetProperty("acknowledgement").GetProperty("note").GetString().ShouldBe("booked a GP visit");
    }

    [Fact]
    public async Task Alert_emails_stop_at_the_daily_cap_per_patient_and_the_rest_are_marked_failed()
    {
        var patient = await EnrollAsync();
        await RecordBalanceProblemAsync(patient);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/cramps", Records.Cramp().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patient.Id}/symptoms", Records.Symptom().With("kind", "speech-difficulty").ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);

        await RunDetectionAsync();

        // Three alerts × two recipients = six emails; the test host caps at four per record and day.
        (await AlertsAsync(patient.Id)).Count.ShouldBe(3);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<string?> statuses;
        do
        {
            await Task.Delay(200);
            statuses = (await AlertsAsync(patient.Id)).SelectMany(a => a.GetProperty("notifications").EnumerateArray())
                .Select(n => n.GetProperty("status").GetString()).ToList();
        }
        while (statuses.Contains("pending") && DateTime.UtcNow < deadline);

        statuses.Count(s => s == "sent").ShouldBe(4);
        statuses.Count(s => s == "failed").ShouldBe(2);
        (await AlertsAsync(patient.Id)).SelectMany(a => a.GetProperty("notifications").EnumerateArray())
            .Where(n => n.GetProperty("status").GetString() == "failed")
            .ShouldAllBe(n => n.GetProperty("reason").GetString()!.Contains("daily cap of 4"));
        (await app.Inbox.AllAsync()).Count(e => e.To.Any(t => t.Address == patient.Email || t.Address == patient.ClinicianEmail)).ShouldBe(4);
    }

    [Fact]
    public async Task Records_that_move_while_earlier_alerts_are_emailed_are_decided_in_the_run_that_found_them_due()
    {
        // Fifteen patients with a balance problem: the first run raises fifteen alerts and queues thirty emails, whose
        // notifications are appended to the very records the second run is deciding.
        var patients = Enumerable.Range(0, 15).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in patients)
        {
            var enrollment = Records.Enrollment(id).With("email", $"moving-{id:N}@example.org").With("clinicianEmail", $"clinic-{id:N}@example.org").With("alertEmails", true);
            (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/symptoms", Records.Symptom().With("kind", "balance-problem").ToJsonString()))
                .Status.ShouldBe(HttpStatusCode.Created);
        }

        (await RunDetectionAsync()).GetProperty("skipped").GetInt32().ShouldBe(0);

        // While those emails go out, every record gets a new red flag: a sudden, severe, disruptive cramp.
        foreach (var id in patients)
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{id}/cramps", Records.Cramp().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        var second = await RunDetectionAsync();
        second.GetProperty("skipped").GetInt32().ShouldBe(0);

        // Decided in that run: no later run was needed for any of the cramp alerts.
        foreach (var id in patients)
        {
            (await AlertsAsync(id)).Select(a => a.GetProperty("ruleId").GetString()).Order().ShouldBe(["coordination-or-balance", "sudden-severe-cramps"]);
        }
    }

    [Fact]
    public void The_detection_run_is_a_recurring_hangfire_job_hourly_by_default()
    {
        using var connection = app.Host.Services.GetRequiredService<JobStorage>().GetConnection();
        var job = connection.GetRecurringJobs().Single(j => j.Id == "detection");
        job.Cron.ShouldBe("0 * * * *");
    }

    private async Task WaitForNotificationsAsync(Guid patientId, string status, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var statuses = (await AlertsAsync(patientId)).Single().GetProperty("notifications").EnumerateArray()
                .Count(n => n.GetProperty("status").GetString() == status);
            if (statuses >= count || DateTime.UtcNow > deadline)
            {
                statuses.ShouldBe(count);
                return;
            }

            await Task.Delay(200);
        }
    }
}
