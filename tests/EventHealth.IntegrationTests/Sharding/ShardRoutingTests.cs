using System.Net;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Sharding;

/// <summary>
/// A control database and two shard clusters on their own ports: every record lives on the one shard its bucket is
/// assigned to, and nowhere else.
/// </summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class ShardRoutingTests
{
    [PostgresClusterFact]
    public async Task Five_hundred_enrolled_patients_each_live_only_on_the_shard_their_bucket_is_assigned_to()
    {
        await using var deployment = await ShardedDeployment.StartAsync("routing", shards: 2);
        var buckets = deployment.Host.Services.GetRequiredService<PatientBuckets>();

        var patients = Enumerable.Range(0, 500).Select(_ => Guid.CreateVersion7()).ToList();
        await Parallel.ForEachAsync(patients, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (patientId, _) =>
        {
            var (status, _, _) = await deployment.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString());
            status.ShouldBe(HttpStatusCode.Created);
        });

        // The assignment table: 16 buckets and the common tenant, bucket i on shard (i mod 2) + 1.
        var assignments = await ShardDatabases.QueryAsync(deployment.Control, "select tenant_id, database_id from sharding.mt_tenant_assignments",
            reader => (Tenant: reader.GetString(0), Shard: reader.GetString(1)));
        assignments.Count.ShouldBe(17);
        foreach (var (tenant, shard) in assignments.Where(a => a.Tenant != PatientBuckets.CommonTenant))
        {
            PatientBuckets.TryParseBucket(tenant, out var bucket).ShouldBeTrue();
            shard.ShouldBe(bucket % 2 == 0 ? "shard01" : "shard02", tenant);
        }

        var shardOf = assignments.ToDictionary(a => a.Tenant, a => a.Shard);

        var expected = patients.GroupBy(p => shardOf[buckets.TenantOf(p)]).ToDictionary(g => g.Key, g => g.ToHashSet());
        for (var i = 0; i < 2; i++)
        {
            var shard = $"shard{i + 1:00}";
            var streams = await ShardDatabases.QueryAsync(deployment.ShardConnections[i], "select id, tenant_id from eventhealth.mt_streams",
                reader => (Id: reader.GetGuid(0), Tenant: reader.GetString(1)));
            streams.Select(s => s.Id).ToHashSet().SetEquals(expected[shard]).ShouldBeTrue($"{shard} holds exactly the records of its buckets");
            streams.ShouldAllBe(s => s.Tenant == buckets.TenantOf(s.Id), "each stream is stored under its patient's bucket");
            expected[shard].Count.ShouldBeGreaterThan(150, "the buckets spread the patients over both shards");

            // The documents follow their streams: each record's snapshot is on its shard only.
            var records = await ShardDatabases.QueryAsync(deployment.ShardConnections[i], "select id from eventhealth.mt_doc_patientrecord", reader => reader.GetGuid(0));
            records.ToHashSet().SetEquals(expected[shard]).ShouldBeTrue();
        }

        // The control database keeps the registry, not records.
        (await ShardDatabases.QueryAsync(deployment.Control, "select count(*) from pg_tables where schemaname = 'eventhealth' and tablename = 'mt_streams'", reader => reader.GetInt64(0)))
            .Single().ShouldBe(0);

        // Reads route too: every record answers from its shard.
        foreach (var patientId in patients.Take(40))
        {
            (await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}", null)).Status.ShouldBe(HttpStatusCode.OK);
        }
    }

    [PostgresClusterFact]
    public async Task A_host_configured_with_another_bucket_count_refuses_to_start()
    {
        await using var deployment = await ShardedDeployment.StartAsync("bucketcount", shards: 0);

        var refused = await Should.ThrowAsync<Exception>(() => ShardedDeployment.StartOnAsync(deployment.Control, ("Sharding:Buckets", "32")));

        refused.ToString().ShouldContain("provisioned with 16 buckets");
    }
}
