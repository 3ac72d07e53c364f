using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Projections;
using EventHealth.Recording;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Projections;

[Collection(ApiCollection.Name)]
public sealed class ExportAndRebuildTests(AppFixture app)
{
    [Fact]
    public async Task Export_holds_the_profile_every_event_with_metadata_and_the_projections()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(entryId).ToJsonString(), ("X-Client-Id", "ios-app/3.1")))
            .Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{entryId}/retraction", "{\"reason\":\"test\"}")).Status
            .ShouldBe(HttpStatusCode.Created);
        await app.WaitForProjectionsAsync();

        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url($"/api/patients/{patientId}/export");
            s.StatusCodeShouldBeOk();
            s.Header("Content-Disposition").SingleValueShouldEqual($"attachment; filename=\"eventhealth-{patientId}.json\"");
        });
        var export = result.ReadAsJson<JsonElement>();

        export.GetProperty("format").GetString().ShouldBe("eventhealth-record-export/1");
        export.GetProperty("streamVersion").GetInt64().ShouldBe(3);
        export.GetProperty("profile").GetProperty("counters").GetProperty("retracted").GetInt32().ShouldBe(1);
        var events = export.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("type").GetString()).ShouldBe(["PatientEnrolled", "TwitchEpisodeRecorded", "EntryRetracted"]);
        events[1].GetProperty("client").GetString().ShouldBe("ios-app/3.1");
        events[1].GetProperty("actor").GetString().ShouldNotBeNullOrEmpty();
        events[1].GetProperty("correlationId").GetString().ShouldNotBeNullOrEmpty();
        var timeline = export.GetProperty("projections").GetProperty("timeline").EnumerateArray().Single();
        timeline.GetProperty("retracted").GetBoolean().ShouldBeTrue();
        export.GetProperty("projections").GetProperty("dailyProjectedThroughVersion").GetInt64().ShouldBe(3);
    }

    [Fact]
    public async Task Rebuild_after_ten_thousand_events_across_many_patients_reports_every_projection_equal()
    {
        const int patients = 40;
        const int entriesEach = 250;
        var start = DateTimeOffset.UtcNow.AddDays(-60);
        await Parallel.ForEachAsync(Enumerable.Range(0, patients), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (p, _) =>
        {
            var patientId = await app.Host.EnrollAsync();
            var entries = Enumerable.Range(0, entriesEach).Select(i => (i % 5) switch
            {
                0 => Records.Trigger().With("occurredAt", start.AddHours(i * 5).ToString("O")).Typed("trigger"),
                1 => Records.Intervention().With("occurredAt", start.AddHours(i * 5).ToString("O")).Typed("intervention"),
                2 => Records.Sleep().With("occurredAt", start.AddHours(i * 5).ToString("O")).Typed("sleep"),
                _ => Records.Episode(occurredAt: start.AddHours(i * 5), intensity: i % 11).Typed("episode"),
            }).Select(e => (JsonNode)e).ToArray();
            var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch",
                new JsonObject { ["entries"] = new JsonArray(entries) }.ToJsonString());
            answer.Status.ShouldBe(HttpStatusCode.OK);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{answer.Body.GetProperty("results")[3].GetProperty("entryId").GetGuid()}/retraction",
                "{\"reason\":\"rebuild test\"}")).Status.ShouldBe(HttpStatusCode.Created);
        });

        var report = await RebuildAsync(repair: false);

        report.GetProperty("events").GetInt64().ShouldBeGreaterThanOrEqualTo(patients * (entriesEach + 2));
        report.GetProperty("allEqual").GetBoolean().ShouldBeTrue(report.ToString());
        var projections = report.GetProperty("projections").EnumerateArray().ToDictionary(p => p.GetProperty("projection").GetString()!);
        projections.Keys.ShouldBe(["PatientRecord", "RecordedEntry", "PatientDays", "RecordAlerts"], ignoreOrder: true);
        projections["RecordedEntry"].GetProperty("documentsCompared").GetInt32().ShouldBeGreaterThanOrEqualTo(patients * entriesEach);
        projections["PatientRecord"].GetProperty("documentsCompared").GetInt32().ShouldBeGreaterThanOrEqualTo(patients);
        projections["PatientDays"].GetProperty("lifecycle").GetString().ShouldBe("async");
    }

    [Fact]
    public async Task A_record_longer_than_the_rebuild_window_is_folded_window_by_window_to_the_same_documents()
    {
        // Events beyond ProjectionVerifier.EventWindow, and a retraction in the last window of an entry from the first:
        // the snapshots continue across windows and the retraction finds its entry (and recounts its day).
        var patientId = await app.Host.EnrollAsync();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        Guid firstEntry = default;
        var batches = (ProjectionVerifier.EventWindow * 2 / 500) + 1;
        for (var batch = 0; batch < batches; batch++)
        {
            var entries = Enumerable.Range(batch * 500, 500)
                .Select(i => (JsonNode)Records.Episode(occurredAt: start.AddMinutes(i * 17), intensity: i % 11).Typed("episode")).ToArray();
            var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch",
                new JsonObject { ["entries"] = new JsonArray(entries) }.ToJsonString());
            answer.Status.ShouldBe(HttpStatusCode.OK);
            if (batch == 0)
            {
                firstEntry = answer.Body.GetProperty("results")[0].GetProperty("entryId").GetGuid();
            }
        }

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{firstEntry}/retraction", "{\"reason\":\"window test\"}"))
            .Status.ShouldBe(HttpStatusCode.Created);

        var report = await RebuildAsync(repair: false);

        report.GetProperty("allEqual").GetBoolean().ShouldBeTrue(report.ToString());
        report.GetProperty("events").GetInt64().ShouldBeGreaterThan(ProjectionVerifier.EventWindow * 2);
    }

    [Fact]
    public async Task A_live_document_that_drifted_is_reported_with_its_first_difference_and_repaired_on_request()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(entryId).ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);

        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = app.Host.WriteFor(patientId))
        {
            var entry = (await session.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(patientId, entryId)))!;
            session.Store(entry with { Summary = "tampered" });
            await session.SaveChangesAsync();
        }

        var drifted = await RebuildAsync(repair: true);
        var recordedEntry = drifted.GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("projection").GetString() == "RecordedEntry");
        recordedEntry.GetProperty("equal").GetBoolean().ShouldBeFalse();
        recordedEntry.GetProperty("unequal").GetInt32().ShouldBe(1);
        recordedEntry.GetProperty("repaired").GetInt32().ShouldBe(1);
        var difference = recordedEntry.GetProperty("firstDifference").GetString()!;
        difference.ShouldContain("$.summary: live a string of 8 characters, rebuilt a string of");
        difference.ShouldNotContain("tampered"); // operators see where, not what

        (await RebuildAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_repaired_record_snapshot_keeps_its_stream_version_and_takes_the_next_single_event_write()
    {
        // The snapshot's revision is the stream version it was stored at, whoever stores it (the repair here, then the
        // projection when the profile changes), as Marten's inline snapshot kept it.
        var patientId = await app.Host.EnrollAsync();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);

        await using (var session = app.Host.WriteFor(patientId))
        {
            var record = (await session.LoadAsync<PatientRecord>(patientId))!;
            session.Store(record with { DisplayName = "tampered" });
            await session.SaveChangesAsync();
        }

        var drifted = await RebuildAsync(repair: true);
        var records = drifted.GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("projection").GetString() == "PatientRecord");
        records.GetProperty("unequal").GetInt32().ShouldBe(1);
        records.GetProperty("repaired").GetInt32().ShouldBe(1);

        var next = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString());
        next.Status.ShouldBe(HttpStatusCode.Created, next.Body.ToString());
        next.Body.GetProperty("version").GetInt64().ShouldBe(3);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}", null)).Body.GetProperty("version").GetInt64().ShouldBe(3);
        await using (var session = app.Host.QueryFor(patientId))
        {
            (await session.LoadAsync<PatientRecord>(patientId))!.DisplayName.ShouldNotBe("tampered");
        }

        // Repaired at version 2; the episode after it changed no profile field, so it was not stored again.
        (await app.Host.SnapshotRevisionAsync(patientId)).ShouldBe(2);

        var changed = await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"email\":\"repaired@example.org\"}");
        changed.Status.ShouldBe(HttpStatusCode.OK, changed.Body.ToString());
        changed.Body.GetProperty("version").GetInt64().ShouldBe(4);
        (await app.Host.SnapshotRevisionAsync(patientId)).ShouldBe(4);

        (await RebuildAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Entry_documents_missing_extra_or_behind_a_later_retraction_are_each_reported_and_repaired()
    {
        // The first entry is retracted one window after it was recorded, so the rebuild has let its document go (kept as a
        // digest) before the retraction comes and must rebuild it again from its events, not take the live document
        // (tampered here to be unretracted).
        var patientId = await app.Host.EnrollAsync();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var recorded = new List<Guid>();
        for (var batch = 0; batch < ProjectionVerifier.EventWindow / 500; batch++)
        {
            var entries = Enumerable.Range(batch * 500, 500)
                .Select(i => (JsonNode)Records.Episode(occurredAt: start.AddMinutes(i * 17)).Typed("episode")).ToArray();
            var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch",
                new JsonObject { ["entries"] = new JsonArray(entries) }.ToJsonString());
            answer.Status.ShouldBe(HttpStatusCode.OK);
            recorded.AddRange(answer.Body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("entryId").GetGuid()));
        }

        // Both retractions come a window after their entries; the second one's document is left as it is and must not be reported.
        foreach (var retracted in new[] { recorded[0], recorded[3] })
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{retracted}/retraction", "{\"reason\":\"drift test\"}"))
                .Status.ShouldBe(HttpStatusCode.Created);
        }

        await using (var session = app.Host.WriteFor(patientId))
        {
            var retracted = (await session.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(patientId, recorded[0])))!;
            session.Store(retracted with { Retracted = false, RetractedInVersion = null, RetractedAt = null, RetractionReason = null });
            session.Delete<RecordedEntry>(RecordedEntry.IdFor(patientId, recorded[1]));
            var copied = (await session.LoadAsync<RecordedEntry>(RecordedEntry.IdFor(patientId, recorded[2])))!;
            var unrecorded = Guid.NewGuid();
            session.Store(copied with { Id = RecordedEntry.IdFor(patientId, unrecorded), EntryId = unrecorded });
            await session.SaveChangesAsync();
        }

        var drifted = await RebuildAsync(repair: true);
        var recordedEntry = drifted.GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("projection").GetString() == "RecordedEntry");
        recordedEntry.GetProperty("unequal").GetInt32().ShouldBe(3, drifted.ToString());
        recordedEntry.GetProperty("repaired").GetInt32().ShouldBe(3);

        (await RebuildAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task A_stream_of_events_outside_the_record_s_catalogue_rebuilds_without_failing()
    {
        // Streams that are no patient's record: Marten's tombstones where a commit failed after taking sequence numbers, a
        // probe's events. The rebuild reads every stream's events itself (StoredEvents) and failed on a type outside the
        // catalogue; it resolves such a type by its .NET name, as Marten does.
        var streamId = Guid.NewGuid();
        await using (var session = app.Host.WriteFor(streamId))
        {
            session.Events.StartStream(streamId, new OutsideTheCatalogue("probe"), new OutsideTheCatalogue("again"));
            await session.SaveChangesAsync();
        }

        var report = await RebuildAsync(repair: false);
        report.GetProperty("allEqual").GetBoolean().ShouldBeTrue(report.ToString());
    }

    [Fact]
    public async Task Stored_entry_documents_hash_as_the_rebuild_hashes_them_whatever_their_text_holds()
    {
        // The rebuild matches live entry documents with rebuilt ones by digest (RebuiltEntries): PostgreSQL's hash of each
        // stored document must be what the rebuild computes for it (JsonbHash), or every entry would be compared in full.
        var patientId = await app.Host.EnrollAsync();
        string[] details = ["say \"hi\" <b>&amp;</b> C:\\temp", "Müdigkeit — café, 3 °C 🙂", "line\nbreak\ttab"];
        var entries = details.Select(d => (JsonNode)Records.Trigger().With("details", d).Typed("trigger"))
            .Append(Records.Episode(occurredAt: DateTimeOffset.Parse("2026-11-30T08:15:00+05:30", System.Globalization.CultureInfo.InvariantCulture)).Typed("episode"))
            .ToArray();
        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch",
            new JsonObject { ["entries"] = new JsonArray(entries) }.ToJsonString());
        answer.Status.ShouldBe(HttpStatusCode.OK, answer.Body.ToString());
        var retracted = answer.Body.GetProperty("results")[0].GetProperty("entryId").GetGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{retracted}/retraction", "{\"reason\":\"entered \\\"twice\\\"\"}"))
            .Status.ShouldBe(HttpStatusCode.Created);

        var queries = app.Host.Services.GetRequiredService<EventHealth.Hosting.EventStoreQueries>();
        await using var session = app.Host.QueryFor(patientId);
        var live = await session.Query<RecordedEntry>().Where(e => e.PatientId == patientId).ToListAsync();
        var stored = new Dictionary<string, ulong>(StringComparer.Ordinal);
        await foreach (var (id, digest) in queries.EntryDigestsOfAsync(session, patientId, CancellationToken.None))
        {
            stored[id] = digest;
        }

        live.Count.ShouldBe(entries.Length);
        live.Single(e => e.EntryId == retracted).Retracted.ShouldBeTrue();
        stored.Keys.ShouldBe(live.Select(e => e.Id), ignoreOrder: true);
        foreach (var entry in live)
        {
            stored[entry.Id].ShouldBe(JsonbHash.Of(entry), entry.Id);
        }
    }

    private Task<JsonElement> RebuildAsync(bool repair) => app.Host.RebuildProjectionsAsync(repair);
}

/// <summary>An event no patient's record holds (<see cref="ExportAndRebuildTests"/>).</summary>
public sealed record OutsideTheCatalogue(string Note);
