using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Alerts;
using EventHealth.Experiments;

using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Tracking;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>Every kind of change to one record, at once, through the one write path (docs/recording.md).</summary>
[Collection(ApiCollection.Name)]
public sealed partial class OneWritePathTests(AppFixture app)
{
    [Fact]
    public async Task Every_kind_of_change_to_one_record_in_parallel_is_stored_once_with_contiguous_versions_and_no_5xx()
    {
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId).With("email", $"p-{patientId:N}@example.org")
            .With("clinicianEmail", $"c-{patientId:N}@example.org").With("alertEmails", true);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var clinician = $"dr-{patientId:N}"[..20];
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents",
            new JsonObject { ["clinicianId"] = clinician, ["scope"] = "read-write" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var toRetract = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(toRetract).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        // A first alert (balance problem), emailed and settled before the parallel part, so there is one to acknowledge.
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms",
            Records.Symptom().With("kind", "balance-problem").With("severity", 6).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).ExecuteAndWaitAsync((IMessageContext _) => RunDetectionAsync());
        var firstAlert = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts").EnumerateArray().Single();
        var firstAlertId = firstAlert.GetProperty("alertId").GetGuid();

        // What the parallel detection run will find: a bulbar symptom (another rule).
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms",
            Records.Symptom().With("kind", "speech-difficulty").With("severity", 5).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var before = await app.Host.StreamVersionAsync(patientId);

        var single = Enumerable.Range(0, 6).Select(i => (Route: i % 2 == 0 ? "episodes" : "triggers", Body: i % 2 == 0 ? Records.Episode() : Records.Trigger())).ToList();
        var batch = new JsonObject { ["entries"] = new JsonArray(Records.Episode().Typed("episode"), Records.Sleep().Typed("sleep"), Records.Intake().Typed("intake")) };
        var note = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "seen in clinic" };
        var experiment = new JsonObject { ["experimentId"] = Guid.NewGuid().ToString(), ["intervention"] = "magnesium-supplement", ["periodDays"] = 7, ["pairs"] = 4 };

        var writes = new List<Func<Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)>>>();
        writes.AddRange(single.Select(s => (Func<Task<(HttpStatusCode, JsonElement, string?)>>)(() =>
            app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{s.Route}", s.Body.ToJsonString()))));
        // The same entry twice: one 201, one 200 with the first answer.
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{single[0].Route}", single[0].Body.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", batch.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{toRetract}/retraction", new JsonObject { ["reason"] = "typo" }.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", note.ToJsonString(), ClinicalRecords.ClinicianHeader(clinician)));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", new JsonObject { ["timeZone"] = "Europe/Berlin" }.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents",
            new JsonObject { ["clinicianId"] = "dr-second", ["scope"] = "read" }.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/alerts/{firstAlertId}/acknowledgement",
            new JsonObject { ["note"] = "called the patient" }.ToJsonString()));
        writes.Add(() => app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", experiment.ToJsonString()));

        // The detection run (an alert, its two emails, and their outcomes recorded by the email handler) races the rest;
        // tracking waits until every message it caused is handled.
        var answers = new List<(HttpStatusCode Status, JsonElement Body, string? ContentType)>();
        await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(90)).ExecuteAndWaitAsync((IMessageContext _) => Task.WhenAll(
            Task.WhenAll(writes.Select(write => write())).ContinueWith(done => answers.AddRange(done.Result), TaskScheduler.Default),
            RunDetectionAsync()));

        answers.ShouldAllBe(a => (int)a.Status < 500);
        answers.Count(a => a.Status == HttpStatusCode.Created).ShouldBe(writes.Count - 3); // the repeat (200), the batch (200), the profile (200)
        answers.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(3);

        await using var session = app.Host.QueryFor(patientId);
        var events = await session.Events.FetchStreamAsync(patientId);
        events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, events.Count).Select(v => (long)v));
        var written = events.Where(e => e.Version > before).Select(e => e.Data).ToList();

        // Every acknowledged write stored once: 6 single entries + 3 in the batch + the note, each entry id once.
        var entryIds = written.OfType<IPatientEntry>().Select(e => e.EntryId).ToList();
        entryIds.Count.ShouldBe(10);
        entryIds.Distinct().Count().ShouldBe(10);
        written.OfType<EntryRetracted>().ShouldHaveSingleItem().EntryId.ShouldBe(toRetract);
        written.OfType<ContactDetailsChanged>().ShouldHaveSingleItem();
        written.OfType<EventHealth.Access.ConsentGranted>().ShouldHaveSingleItem();
        written.OfType<AlertAcknowledged>().ShouldHaveSingleItem().AlertId.ShouldBe(firstAlertId);
        written.OfType<ExperimentPlanned>().ShouldHaveSingleItem();
        var raised = written.OfType<AlertRaised>().ShouldHaveSingleItem();
        written.OfType<AlertNotificationSent>().Where(s => s.AlertId == raised.AlertId).Count().ShouldBe(2);
        written.Count.ShouldBe(10 + 1 + 1 + 1 + 1 + 1 + 1 + 2);
    }

    [Fact]
    public void Only_the_write_path_appends_to_a_stream_and_no_endpoint_opens_a_session_for_a_write()
    {
        var sources = Directory.GetFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(path => Path.GetRelativePath(Repository.Root, path), File.ReadAllText);

        // The group commit (RecordWriter) appends what the decisions (RecordDecider) return, with the version they read
        // as the expected one; nothing else in src names an append, a stream start or a fetch for writing.
        string[] appends = ["AppendOne(", "AppendMany(", "StartStream", "Events.Append(", "FetchForWriting"];
        sources.Where(s => appends.Any(s.Value.Contains)).Select(s => s.Key).Order().ShouldBe(
            [Path.Combine("src", "EventHealth.Api", "Recording", "RecordWriter.cs")]);

        // A write endpoint's parameters name no session or store: it validates and hands the change to the write path.
        var endpoints = sources.SelectMany(s => WriteEndpoint().Matches(s.Value).Select(m => (File: s.Key, Parameters: m.Groups["parameters"].Value))).ToList();
        endpoints.Count.ShouldBeGreaterThan(15);
        endpoints.Where(e => e.Parameters.Contains("IDocumentSession", StringComparison.Ordinal) || e.Parameters.Contains("IDocumentStore", StringComparison.Ordinal))
            .Select(e => e.File).ShouldBeEmpty();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\[Wolverine(Post|Put|Patch|Delete)\([^\n]*\n(\s*\[[^\n]*\n)*\s*public static [^(]*\((?<parameters>[^)]*)\)")]
    private static partial System.Text.RegularExpressions.Regex WriteEndpoint();

    private async Task RunDetectionAsync() =>
        await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/detection/run");
            s.StatusCodeShouldBeOk();
        });
}
