using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace EventHealth.IntegrationTests.Sharding;

/// <summary>
/// The bucket move drill: a control database and two shard clusters, 60 records with entries, retractions, notes and
/// alerts; one bucket moves from shard01 to shard02 while the host keeps running. Afterwards every event and document
/// of the bucket is on shard02 once, in order, none is left on shard01, and the API answers as before.
/// </summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class BucketMoveTests(ITestOutputHelper output)
{
    private const string Source = "shard01";
    private const string Target = "shard02";

    [PostgresClusterFact]
    public async Task A_bucket_moved_to_another_shard_keeps_every_event_and_document_once_in_order_and_answers_as_before()
    {
        await using var deployment = await ShardedDeployment.StartAsync("bucketmove", shards: 2, [("Sharding:AssignmentRefreshInterval", "00:00:01")]);
        var host = deployment.Host;
        var buckets = host.Services.GetRequiredService<PatientBuckets>();

        var patients = Enumerable.Range(0, 60).Select(_ => Guid.CreateVersion7()).ToList();
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (patientId, _) => await WriteRecordAsync(deployment, patientId));
        (await host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        foreach (var patientId in patients)
        {
            await WaitForAlertEmailsAsync(deployment, patientId);
        }

        await deployment.WaitForProjectionsAsync();

        // The bucket of shard01 holding most of these records moves.
        var tenant = patients.Select(buckets.TenantOf).Where(t => PatientBuckets.TryParseBucket(t, out var b) && b % 2 == 0)
            .GroupBy(t => t).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var moved = patients.Where(p => buckets.TenantOf(p) == tenant).ToList();
        var stayed = patients.Where(p => buckets.TenantOf(p) != tenant).Take(6).ToList();
        var writesDuringMove = patients.Where(p => buckets.TenantOf(p) != tenant).Skip(6).First();
        output.WriteLine($"moving {tenant}: {moved.Count} of the records");
        moved.Count.ShouldBeGreaterThan(1);

        var answersBefore = new Dictionary<Guid, string[]>();
        foreach (var patientId in moved.Concat(stayed))
        {
            answersBefore[patientId] = await ReadsAsync(deployment, patientId);
        }

        var source = deployment.ShardConnections[0];
        var target = deployment.ShardConnections[1];
        var eventsBefore = await EventsAsync(source, tenant);
        var documentsBefore = await DocumentsAsync(source, tenant);
        eventsBefore.Count.ShouldBeGreaterThan(moved.Count * 10);
        documentsBefore.Keys.ShouldContain("mt_doc_patientdays");
        (await EventsAsync(target, tenant)).ShouldBeEmpty();

        // While the bucket is fenced, a write to one of its records is refused with 503 and Retry-After and stores nothing;
        // records of other buckets write on.
        var fenced = new List<(HttpStatusCode Moved, string? RetryAfter, HttpStatusCode Other)>();
        void Report(string step)
        {
            output.WriteLine(step);
            if (step.StartsWith("1/6", StringComparison.Ordinal))
            {
                fenced.Add(WriteWhileFencedAsync(deployment, moved[0], writesDuringMove).GetAwaiter().GetResult());
            }
        }

        var mover = host.Services.GetRequiredService<BucketMover>();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await mover.MoveAsync(tenant, Target, Report, CancellationToken.None);
        output.WriteLine($"moved {eventsBefore.Count} events and {documentsBefore.Values.Sum(d => d.Count)} documents in {stopwatch.Elapsed.TotalSeconds:0.0} s");

        fenced.ShouldHaveSingleItem().ShouldBe((HttpStatusCode.ServiceUnavailable, "5", HttpStatusCode.Created));

        outcome.Tables.ShouldAllBe(t => t.Source == t.Target);
        (await mover.MovesUnderWayAsync(CancellationToken.None)).ShouldBeEmpty();
        (await ShardDatabases.QueryAsync(deployment.Control, $"select database_id from sharding.mt_tenant_assignments where tenant_id = '{tenant}'", r => r.GetString(0)))
            .ShouldBe([Target]);

        // Every event once, in the original order, with its id, version, timestamp and metadata; new seq_ids on the target.
        var eventsAfter = await EventsAsync(target, tenant);
        eventsAfter.Select(e => e.Row).ShouldBe(eventsBefore.Select(e => e.Row));
        eventsAfter.Select(e => e.SeqId).ShouldBeInOrder();
        foreach (var stream in eventsAfter.GroupBy(e => e.StreamId))
        {
            stream.Select(e => e.Version).ShouldBe(Enumerable.Range(1, stream.Count()).Select(v => (long)v), $"stream {stream.Key}");
        }

        // Every document once, inline ones copied, the async daily summaries rebuilt by the target's daemon: same ids and data.
        var documentsAfter = await DocumentsAsync(target, tenant);
        documentsAfter.Keys.OrderBy(k => k, StringComparer.Ordinal).ShouldBe(documentsBefore.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (table, rows) in documentsBefore)
        {
            documentsAfter[table].ShouldBe(rows, $"{table} of {tenant}");
        }

        // The bucket's new partitions carry the schema's per-partition settings (Hosting.UnsampledDocumentColumns).
        (await ShardDatabases.QueryAsync(target, $"""
            select c.relname, coalesce(a.attstattarget, -1)::int from pg_class c join pg_attribute a on a.attrelid = c.oid
            where c.relname in ('mt_doc_recordedentry_{tenant}', 'mt_doc_accessrecord_{tenant}') and a.attname = 'data'
            order by c.relname
            """, r => (r.GetString(0), r.GetInt32(1)))).ShouldBe([($"mt_doc_accessrecord_{tenant}", 0), ($"mt_doc_recordedentry_{tenant}", 0)]);

        // Nothing of the bucket is left on the source: no rows, no partitions.
        (await EventsAsync(source, tenant)).ShouldBeEmpty();
        (await DocumentsAsync(source, tenant)).ShouldBeEmpty();
        (await ShardDatabases.QueryAsync(source, $"select count(*) from pg_class c where c.relispartition and pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', '{tenant}')",
            r => r.GetInt64(0))).ShouldBe([0L]);

        // The API answers as before, for the moved records and for the others.
        foreach (var (patientId, before) in answersBefore)
        {
            (await ReadsAsync(deployment, patientId)).ShouldBe(before, $"{patientId} ({buckets.TenantOf(patientId)})");
        }

        // A new entry of a moved record lands on the target and reaches its daily summary; other buckets write on as before.
        var movedPatient = moved[0];
        var daysBefore = await EpisodesYesterdayAsync(deployment, movedPatient);
        var entry = Records.Episode();
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{movedPatient}/episodes", entry.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var entryEvent = $"select count(*) from eventhealth.mt_events where stream_id = '{movedPatient}' and data->>'entryId' = '{entry["entryId"]}'";
        (await ShardDatabases.QueryAsync(target, entryEvent, r => r.GetInt64(0))).ShouldBe([1L]);
        (await ShardDatabases.QueryAsync(source, entryEvent, r => r.GetInt64(0))).ShouldBe([0L]);
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{stayed[0]}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        await deployment.WaitForProjectionsAsync();
        (await EpisodesYesterdayAsync(deployment, movedPatient)).ShouldBe(daysBefore + 1);
    }

    [PostgresClusterFact]
    public async Task A_move_stopped_half_way_is_finished_by_running_it_again_or_rolled_back()
    {
        await using var deployment = await ShardedDeployment.StartAsync("bucketresume", shards: 2, [("Sharding:AssignmentRefreshInterval", "00:00:01")]);
        var host = deployment.Host;
        var buckets = host.Services.GetRequiredService<PatientBuckets>();
        var patients = Enumerable.Range(0, 40).Select(_ => Guid.CreateVersion7()).ToList();
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (patientId, _) =>
        {
            (await host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        });
        await deployment.WaitForProjectionsAsync();

        var onSource = patients.GroupBy(buckets.TenantOf).Where(g => PatientBuckets.TryParseBucket(g.Key, out var b) && b % 2 == 0)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(2).ToList();
        var (resumed, rolledBack) = (onSource[0], onSource[1]);
        var source = deployment.ShardConnections[0];
        var target = deployment.ShardConnections[1];
        var mover = host.Services.GetRequiredService<BucketMover>();

        // Stopped after the copy, before its verification: the fence holds, running the move again finishes it.
        var eventsBefore = await EventsAsync(source, resumed.Key);
        await StopAtAsync(mover, resumed.Key, "2/6");
        (await mover.MovesUnderWayAsync(CancellationToken.None)).ShouldHaveSingleItem().ShouldBe(new BucketMover.Move(resumed.Key, Source, Target, BucketMover.Phase.Fenced));
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{resumed.First()}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        // Finished by the verb, from another process, as an operator would (ops/cli from the repository root): the API
        // host learns of the reassignment only through its own refresh of the registry.
        var (exitCode, verbOutput) = await MoveBucketVerbAsync(deployment, resumed.Key, Target);
        output.WriteLine(verbOutput);
        exitCode.ShouldBe(0, verbOutput);
        verbOutput.ShouldContain($"Resuming the move of {resumed.Key} from {Source} to {Target}");
        verbOutput.ShouldContain("6/6");
        (await EventsAsync(target, resumed.Key)).Select(e => e.Row).ShouldBe(eventsBefore.Select(e => e.Row));
        (await EventsAsync(source, resumed.Key)).ShouldBeEmpty();
        var entry = Records.Episode();
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{resumed.First()}/episodes", entry.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await ShardDatabases.QueryAsync(target, $"select count(*) from eventhealth.mt_events where data->>'entryId' = '{entry["entryId"]}'", r => r.GetInt64(0))).ShouldBe([1L]);

        // Stopped after the verification, before the reassignment: rolled back, the bucket stays and writes again on the source.
        var rolledBackEvents = await EventsAsync(source, rolledBack.Key);
        await StopAtAsync(mover, rolledBack.Key, "3/6");
        await mover.RollBackAsync(rolledBack.Key, output.WriteLine, CancellationToken.None);
        (await mover.MovesUnderWayAsync(CancellationToken.None)).ShouldBeEmpty();
        (await ShardDatabases.QueryAsync(deployment.Control, $"select database_id from sharding.mt_tenant_assignments where tenant_id = '{rolledBack.Key}'", r => r.GetString(0)))
            .ShouldBe([Source]);
        (await EventsAsync(target, rolledBack.Key)).ShouldBeEmpty();
        (await DocumentsAsync(target, rolledBack.Key)).ShouldBeEmpty();
        (await EventsAsync(source, rolledBack.Key)).Select(e => e.Row).ShouldBe(rolledBackEvents.Select(e => e.Row));
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{rolledBack.First()}/episodes", Records.Episode().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await EventsAsync(source, rolledBack.Key)).Count.ShouldBe(rolledBackEvents.Count + 1);
    }

    private static async Task<(int ExitCode, string Output)> MoveBucketVerbAsync(ShardedDeployment deployment, string tenant, string shard)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(Repository.Root, "ops", "cli"))
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "move-bucket", tenant, shard })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__EventHealth"] = deployment.Control;
        for (var i = 0; i < deployment.Shards.Count; i++)
        {
            start.Environment[$"Sharding__Shards__shard{i + 1:00}"] = deployment.ShardConnections[i];
        }

        start.Environment["Sharding__AssignmentRefreshInterval"] = "00:00:01";
        start.Environment["EVENTHEALTH_CONFIGURATION"] = "Release";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var process = System.Diagnostics.Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, standardOutput + await standardError);
    }

    /// <summary>Runs a move and stops it, as a crash would, right after the step that reports <paramref name="step"/>.</summary>
    private async Task StopAtAsync(BucketMover mover, string tenant, string step)
    {
        using var crash = new CancellationTokenSource();
        try
        {
            await mover.MoveAsync(tenant, Target, line =>
            {
                output.WriteLine(line);
                if (line.StartsWith(step, StringComparison.Ordinal))
                {
                    crash.Cancel();
                }
            }, crash.Token);
            throw new ShouldAssertException($"the move of {tenant} did not stop at {step}");
        }
        catch (OperationCanceledException)
        {
            // Stopped where it was asked to.
        }
    }

    private static async Task WriteRecordAsync(ShardedDeployment deployment, Guid patientId)
    {
        var host = deployment.Host;
        (await host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        foreach (var (route, body) in new[]
        {
            ("episodes", Records.Episode()), ("cramps", Records.Cramp()), ("sleep", Records.Sleep()), ("intake", Records.Intake()),
            ("symptoms", Records.Symptom().With("kind", "balance-problem")),
        })
        {
            var answer = await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", body.ToJsonString());
            answer.Status.ShouldBe(HttpStatusCode.Created, $"{route}: {answer.Body}");
        }

        var retracted = Records.Episode(intensity: 2);
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", retracted.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{retracted["entryId"]}/retraction",
            new JsonObject { ["reason"] = "entered twice" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        var clinician = $"dr-{patientId:N}"[..20];
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents",
            new JsonObject { ["clinicianId"] = clinician, ["scope"] = "read-write" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var note = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "seen in clinic" };
        (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", note.ToJsonString(), ClinicalRecords.ClinicianHeader(clinician))).Status
            .ShouldBe(HttpStatusCode.Created);
    }

    private static async Task<(HttpStatusCode, string?, HttpStatusCode)> WriteWhileFencedAsync(ShardedDeployment deployment, Guid moved, Guid other)
    {
        using var client = deployment.Host.Server.CreateClient();
        using var refused = await client.PostAsync($"/api/patients/{moved}/episodes", Records.JsonContent(Records.Episode()));
        var accepted = await deployment.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{other}/episodes", Records.Episode().ToJsonString());
        return (refused.StatusCode, refused.Headers.RetryAfter?.ToString(), accepted.Status);
    }

    /// <summary>Waits until no alert email of the record is pending, so no "sent" event arrives during the snapshot.</summary>
    private static async Task WaitForAlertEmailsAsync(ShardedDeployment deployment, Guid patientId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var (_, body, _) = await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/alerts", null);
            if (!body.GetProperty("alerts").EnumerateArray().SelectMany(a => a.GetProperty("notifications").EnumerateArray())
                    .Any(n => n.GetProperty("status").GetString() == "pending"))
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The record, its timeline and its daily summaries, as a client reads them (status and body).</summary>
    private static async Task<string[]> ReadsAsync(ShardedDeployment deployment, Guid patientId)
    {
        var answers = new List<string>();
        foreach (var route in new[] { "", "/timeline", "/daily" })
        {
            var (status, body, _) = await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{route}", null);
            status.ShouldBe(HttpStatusCode.OK, route);
            answers.Add(body.GetRawText());
        }

        return [.. answers];
    }

    private static async Task<int> EpisodesYesterdayAsync(ShardedDeployment deployment, Guid patientId)
    {
        var (_, body, _) = await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/daily", null);
        return body.GetProperty("days").EnumerateArray().Sum(d => d.GetProperty("episodes").GetInt32());
    }

    private sealed record StoredEvent(long SeqId, Guid StreamId, long Version, string Row);

    /// <summary>The bucket's events in seq_id order: everything but seq_id, as text.</summary>
    private static Task<List<StoredEvent>> EventsAsync(string connection, string tenant) => ShardDatabases.QueryAsync(connection, $"""
        set timezone = 'UTC';
        select seq_id, stream_id, version, (to_jsonb(e) - 'seq_id')::text from eventhealth.mt_events e where tenant_id = '{tenant}' order by seq_id
        """, r => new StoredEvent(r.GetInt64(0), r.GetGuid(1), r.GetInt64(2), r.GetString(3)));

    /// <summary>Per document table holding rows of the bucket: each row's id and data, sorted.</summary>
    private static async Task<Dictionary<string, List<string>>> DocumentsAsync(string connection, string tenant)
    {
        var tables = await ShardDatabases.QueryAsync(connection,
            "select table_name from information_schema.tables where table_schema = 'eventhealth' and table_name like 'mt_doc_%' and table_type = 'BASE TABLE'"
            + " and table_name in (select c.relname from pg_class c where c.relkind = 'p')", r => r.GetString(0));
        var documents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            var rows = await ShardDatabases.QueryAsync(connection, $"select jsonb_build_array(id, data)::text from eventhealth.{table} where tenant_id = '{tenant}' order by 1", r => r.GetString(0));
            if (rows.Count > 0)
            {
                documents[table] = rows;
            }
        }

        return documents;
    }
}
