using System.Net;
using System.Text.Json;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using JasperFx.Events;
using Marten;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>Writes that arrive together share a transaction and keep their own outcomes (docs/recording.md, group commit).</summary>
[Collection(ApiCollection.Name)]
public sealed class GroupCommitTests(AppFixture app)
{
    private sealed record Write(string Kind, Guid PatientId, string Route, string Body, string CorrelationId, string ClientId, (string, string)[] Headers);

    [Fact]
    public async Task Sixty_four_concurrent_writes_a_quarter_failing_each_get_their_own_answer_and_every_event_its_own_metadata()
    {
        // Eleven records take four new entries each, four are erased, four never existed.
        var healthy = Enumerable.Range(0, 11).Select(_ => Guid.NewGuid()).ToList();
        var erased = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToList();
        var unknown = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToList();
        foreach (var patientId in healthy.Concat(erased))
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        var operatorToken = ("Authorization", $"Bearer {TestTokens.For("operator", "ops-group")}");
        foreach (var patientId in erased)
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{\"requestReference\":\"GC-1\"}", operatorToken)).Status.ShouldBe(HttpStatusCode.OK);
        }

        // Entries stored before: four to repeat exactly (200), four to repeat with other content (409).
        var stored = new List<(Guid PatientId, Guid EntryId, string Body)>();
        foreach (var patientId in healthy.Take(8))
        {
            var entryId = Guid.NewGuid();
            var body = Records.Episode(entryId, intensity: 3).ToJsonString();
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", body)).Status.ShouldBe(HttpStatusCode.Created);
            stored.Add((patientId, entryId, body));
        }

        var writes = new List<Write>();
        Write Make(string kind, Guid patientId, string body, params (string, string)[] extra)
        {
            var correlationId = $"gc-{Guid.NewGuid():N}";
            var clientId = $"phone-{writes.Count:D2}";
            return new Write(kind, patientId, $"/api/patients/{patientId}/episodes", body, correlationId, clientId,
                [("X-Correlation-ID", correlationId), ("X-Client-Id", clientId), .. extra]);
        }

        foreach (var patientId in healthy)
        {
            for (var i = 0; i < 4; i++)
            {
                writes.Add(Make("new", patientId, Records.Episode(Guid.NewGuid(), intensity: 5).ToJsonString()));
            }
        }

        writes.AddRange(stored.Take(4).Select(s => Make("repeat", s.PatientId, s.Body)));
        writes.AddRange(stored.Skip(4).Select(s => Make("conflict", s.PatientId, Records.Episode(s.EntryId, intensity: 9).ToJsonString())));
        writes.AddRange(healthy.Take(4).Select(p => Make("stale", p, Records.Episode(Guid.NewGuid()).ToJsonString(), ("If-Match", "\"1\""))));
        writes.AddRange(unknown.Select(p => Make("unknown", p, Records.Episode(Guid.NewGuid()).ToJsonString())));
        writes.AddRange(erased.Select(p => Make("erased", p, Records.Episode(Guid.NewGuid()).ToJsonString())));
        writes.Count.ShouldBe(64);
        writes.Count(w => w.Kind is "conflict" or "stale" or "unknown" or "erased").ShouldBe(16);

        using var groupSizes = new Measurements<int>("eventhealth.write.group.size");

        var answers = await Task.WhenAll(writes.Select(w => app.Host.SendRawAsync(HttpMethod.Post, w.Route, w.Body, w.Headers)));
        groupSizes.Dispose();

        var expected = new Dictionary<string, (HttpStatusCode Status, bool Problem)>
        {
            ["new"] = (HttpStatusCode.Created, false),
            ["repeat"] = (HttpStatusCode.OK, false),
            ["conflict"] = (HttpStatusCode.Conflict, true),
            ["stale"] = (HttpStatusCode.PreconditionFailed, true),
            ["unknown"] = (HttpStatusCode.NotFound, true),
            ["erased"] = (HttpStatusCode.Gone, true),
        };
        foreach (var (write, answer) in writes.Zip(answers))
        {
            answer.Status.ShouldBe(expected[write.Kind].Status, $"{write.Kind} write {write.ClientId}");
            (answer.ContentType == "application/problem+json").ShouldBe(expected[write.Kind].Problem, $"{write.Kind} write {write.ClientId}");
        }

        // The stale ones name the version they were refused against; the conflicts name their own entry.
        foreach (var (write, answer) in writes.Zip(answers).Where(w => w.First.Kind == "conflict"))
        {
            answer.Body.GetRawText().ShouldContain(JsonDocument.Parse(write.Body).RootElement.GetProperty("entryId").GetString()!);
        }

        // Changes did share transactions: at least one group held more than one.
        groupSizes.Values.ShouldNotBeEmpty();
        groupSizes.Values.Max().ShouldBeGreaterThan(1);

        // Every stored event carries the metadata of the request that wrote it, and each new entry is stored once.
        foreach (var patientId in healthy)
        {
            await using var session = app.Host.QueryFor(patientId);
            var events = await session.Events.FetchStreamAsync(patientId);
            events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, events.Count).Select(v => (long)v));
            foreach (var write in writes.Where(w => w.PatientId == patientId && w.Kind == "new"))
            {
                var entryId = JsonDocument.Parse(write.Body).RootElement.GetProperty("entryId").GetGuid();
                var written = events.Where(e => e.Data is IPatientEntry entry && entry.EntryId == entryId).ShouldHaveSingleItem();
                written.CorrelationId.ShouldBe(write.CorrelationId);
                EventMetadata.ClientId(written).ShouldBe(write.ClientId);
                written.UserName.ShouldBe($"patient:{patientId}");
                (await session.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(patientId, entryId))).ShouldNotBeNull("indexed in the patient's own bucket");
            }

            // Nothing of the refused writes: four new entries, plus the one stored before for the first eight.
            events.OfType<IEvent>().Count(e => e.Data is IPatientEntry).ShouldBe(healthy.IndexOf(patientId) < 8 ? 5 : 4);
        }

        foreach (var patientId in unknown)
        {
            await using var session = app.Host.QueryFor(patientId);
            (await session.Events.FetchStreamStateAsync(patientId)).ShouldBeNull();
        }

        // Each request's access record, with its own outcome, committed with the write.
        var auditor = ("Authorization", $"Bearer {TestTokens.For("auditor", "aud-group")}");
        var records = new List<JsonElement>();
        foreach (var patientId in writes.Select(w => w.PatientId).Distinct())
        {
            var audit = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/audit?patientId={patientId}", null, auditor);
            audit.Status.ShouldBe(HttpStatusCode.OK);
            records.AddRange(audit.Body.GetProperty("records").EnumerateArray());
        }

        foreach (var (write, answer) in writes.Zip(answers))
        {
            records.Where(r => r.GetProperty("correlationId").GetString() == write.CorrelationId)
                .ShouldHaveSingleItem($"{write.Kind} write {write.ClientId}").GetProperty("status").GetInt32().ShouldBe((int)answer.Status);
        }
    }
}
