using System.Net;
using System.Text.Json;
using EventHealth.Detection;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventHealth.IntegrationTests.Sharding;

/// <summary>
/// Two API nodes of one sharded deployment share Hangfire on the control database: the recurring detection dispatch
/// enqueues one job per bucket, every bucket's job runs exactly once, and both nodes' job servers take some.
/// </summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class BucketJobTests
{
    private const int MaxDispatches = 5;

    [PostgresClusterFact]
    public async Task Two_nodes_share_the_bucket_jobs_of_a_detection_dispatch_and_each_bucket_runs_exactly_once()
    {
        // Hangfire names a job server after the machine and process: the suffix tells two hosts of one process apart.
        await using var deployment = await ShardedDeployment.StartAsync("bucketjobs", shards: 2, [("Scheduling:ServerNameSuffix", ":node-a")], solo: false);
        await using var nodeB = await deployment.StartNodeAsync(("Scheduling:ServerNameSuffix", ":node-b"));
        var buckets = deployment.Host.Services.GetRequiredService<PatientBuckets>();

        // Records with something to decide in most buckets give each bucket's job some work, so that the queue is not
        // drained by whichever worker wakes first.
        var patients = Enumerable.Range(0, 48).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var patientId in patients)
        {
            var host = patients.IndexOf(patientId) % 2 == 0 ? deployment.Host : nodeB;
            (await host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Alarming().ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        // Which job server ran which bucket, over dispatches until both nodes have run some (each dispatch on its own
        // must run every bucket exactly once).
        var serversSeen = new HashSet<string>();
        var dispatches = 0;
        while (dispatches < MaxDispatches && serversSeen.Count < 2)
        {
            dispatches++;
            var lastJobBefore = await LastJobIdAsync(deployment.Control);
            deployment.Host.Services.GetRequiredService<IRecurringJobManager>().Trigger(DetectionJob.RecurringJobId);

            var runs = await BucketRunsAfterAsync(deployment.Control, lastJobBefore, buckets.Count);
            runs.Select(r => r.Bucket).Order().ShouldBe(buckets.AllBuckets.Order(), $"dispatch {dispatches}: one job per bucket");
            runs.ShouldAllBe(r => r.State == "Succeeded");
            runs.ShouldAllBe(r => r.Servers.Count == 1, $"dispatch {dispatches}: every bucket's job was processed exactly once");
            foreach (var run in runs)
            {
                // A server id is the server name, lower-cased, then ":" and a GUID.
                serversSeen.Add(run.Servers[0].Contains(":node-a:", StringComparison.Ordinal) ? "node-a"
                    : run.Servers[0].Contains(":node-b:", StringComparison.Ordinal) ? "node-b" : run.Servers[0]);
            }
        }

        serversSeen.ShouldBe(["node-a", "node-b"], ignoreOrder: true, $"both nodes' job servers ran bucket jobs within {dispatches} dispatch(es)");

        // Every record was decided, whichever node ran its bucket, and no rule alerted twice over the dispatches.
        foreach (var patientId in patients)
        {
            var (status, body, _) = await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/alerts", null);
            status.ShouldBe(HttpStatusCode.OK);
            var rules = body.GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("ruleId").GetString()).ToList();
            rules.ShouldNotBeEmpty(patientId.ToString());
            rules.ShouldBeUnique();
        }
    }

    /// <summary>A symptom the red-flag rule alerts on.</summary>
    private static System.Text.Json.Nodes.JsonObject Alarming() =>
        Records.Symptom().With("kind", "speech-difficulty").With("severity", 7).With("occurredAt", DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));

    private sealed record BucketRun(string Bucket, string State, List<string> Servers);

    private static async Task<long> LastJobIdAsync(string control)
    {
        await using var connection = new NpgsqlConnection(control);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select coalesce(max(id), 0) from hangfire.job", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The bucket jobs created after <paramref name="afterJobId"/>, read from Hangfire's storage once all of them are
    /// final: each job's bucket (its argument), state, and the job server of every Processing state it went through.
    /// </summary>
    private static async Task<List<BucketRun>> BucketRunsAfterAsync(string control, long afterJobId, int bucketCount)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (true)
        {
            var runs = new Dictionary<long, BucketRun>();
            await using var connection = new NpgsqlConnection(control);
            await connection.OpenAsync(timeout.Token);
            await using (var jobs = new NpgsqlCommand(
                "select id, invocationdata::text, arguments::text, statename from hangfire.job where id > $1 order by id", connection))
            {
                jobs.Parameters.AddWithValue(afterJobId);
                await using var reader = await jobs.ExecuteReaderAsync(timeout.Token);
                while (await reader.ReadAsync(timeout.Token))
                {
                    using var invocation = JsonDocument.Parse(reader.GetString(1));
                    if (invocation.RootElement.GetProperty("Method").GetString() != nameof(DetectionJob.RunBucketAsync))
                    {
                        continue; // the dispatcher itself
                    }

                    // Hangfire stores each argument as its own JSON text: ["\"b007\"", null].
                    using var arguments = JsonDocument.Parse(reader.GetString(2));
                    var bucket = JsonSerializer.Deserialize<string>(arguments.RootElement[0].GetString()!)!;
                    runs[reader.GetInt64(0)] = new BucketRun(bucket, reader.IsDBNull(3) ? "" : reader.GetString(3), []);
                }
            }

            await using (var states = new NpgsqlCommand("select jobid, data::text from hangfire.state where jobid > $1 and name = 'Processing' order by id", connection))
            {
                states.Parameters.AddWithValue(afterJobId);
                await using var reader = await states.ExecuteReaderAsync(timeout.Token);
                while (await reader.ReadAsync(timeout.Token))
                {
                    if (runs.TryGetValue(reader.GetInt64(0), out var run))
                    {
                        using var data = JsonDocument.Parse(reader.GetString(1));
                        run.Servers.Add(data.RootElement.GetProperty("ServerId").GetString()!);
                    }
                }
            }

            if (runs.Count >= bucketCount && runs.Values.All(r => r.State is "Succeeded" or "Failed" or "Deleted"))
            {
                return [.. runs.Values];
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
        }
    }
}
