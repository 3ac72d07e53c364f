using System.Net;
using System.Text.Json;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Sharding;

/// <summary>One detection sweep over two shards raises exactly the alerts a single-database run raises on the same records.</summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class ShardedDetectionTests
{
    [PostgresClusterFact]
    public async Task A_sweep_over_two_shards_raises_the_alerts_a_single_database_raises_on_the_same_records()
    {
        await using var single = await ShardedDeployment.StartAsync("detection_single", shards: 0);
        await using var sharded = await ShardedDeployment.StartAsync("detection_sharded", shards: 2);

        // The same records, entry for entry, in both: a quarter each with no warning sign, swallowing difficulty
        // (urgent), a sudden severe cramp, and muscle weakness.
        var patients = Enumerable.Range(0, 48).Select(_ => Guid.NewGuid()).ToList();
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        var writes = patients.SelectMany((patientId, i) => Writes(patientId, i, at)).ToList();
        foreach (var deployment in new[] { single, sharded })
        {
            foreach (var (url, body) in writes)
            {
                (await deployment.Host.SendRawAsync(HttpMethod.Post, url, body)).Status.ShouldBe(HttpStatusCode.Created, url);
            }
        }

        var buckets = sharded.Host.Services.GetRequiredService<PatientBuckets>();
        patients.Select(p => buckets.BucketOf(p) % 2).Distinct().Count().ShouldBe(2, "the records are spread over both shards");

        var singleRun = (await single.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Body;
        var shardedRun = (await sharded.Host.SendRawAsync(HttpMethod.Post, "/api/admin/detection/run", null)).Body;
        shardedRun.GetProperty("evaluated").GetInt32().ShouldBe(singleRun.GetProperty("evaluated").GetInt32());
        shardedRun.GetProperty("alertsRaised").GetInt32().ShouldBe(singleRun.GetProperty("alertsRaised").GetInt32());
        singleRun.GetProperty("alertsRaised").GetInt32().ShouldBeGreaterThanOrEqualTo(36);

        foreach (var patientId in patients)
        {
            (await AlertsAsync(sharded, patientId)).ShouldBe(await AlertsAsync(single, patientId), $"patient {patientId}");
        }
    }

    private static IEnumerable<(string Url, string Body)> Writes(Guid patientId, int index, DateTimeOffset at)
    {
        yield return ("/api/patients", Records.Enrollment(patientId).ToJsonString());
        yield return ($"/api/patients/{patientId}/episodes", Records.Episode(Deterministic(patientId, 1), occurredAt: at).ToJsonString());
        switch (index % 4)
        {
            case 1:
                yield return ($"/api/patients/{patientId}/symptoms",
                    Records.Symptom(Deterministic(patientId, 2)).With("kind", "swallowing-difficulty").With("occurredAt", at.ToString("O")).ToJsonString());
                break;
            case 2:
                yield return ($"/api/patients/{patientId}/cramps", Records.Cramp(Deterministic(patientId, 2)).With("occurredAt", at.ToString("O")).ToJsonString());
                break;
            case 3:
                yield return ($"/api/patients/{patientId}/symptoms",
                    Records.Symptom(Deterministic(patientId, 2)).With("kind", "muscle-weakness").With("severity", 6).With("occurredAt", at.ToString("O")).ToJsonString());
                break;
        }
    }

    /// <summary>The same entry id in both deployments.</summary>
    private static Guid Deterministic(Guid patientId, byte n)
    {
        var bytes = patientId.ToByteArray();
        bytes[0] ^= n;
        return new Guid(bytes);
    }

    /// <summary>What a rule decided, without the ids and times each deployment mints for itself.</summary>
    private static async Task<List<string>> AlertsAsync(ShardedDeployment deployment, Guid patientId)
    {
        var (status, body, _) = await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/alerts", null);
        status.ShouldBe(HttpStatusCode.OK);
        var alerts = body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("alerts");
        return [.. alerts.EnumerateArray()
            .Select(a => $"{a.GetProperty("ruleId").GetString()} v{a.GetProperty("ruleVersion").GetInt32()} {a.GetProperty("severity").GetString()} "
                + $"[{string.Join(",", a.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()).Order())}] through {a.GetProperty("evaluatedThroughVersion").GetInt64()}")
            .Order()];
    }
}
