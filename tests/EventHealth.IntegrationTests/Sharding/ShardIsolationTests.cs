using System.Net;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Sharding;

/// <summary>One shard cluster stopped: only the patients of its buckets wait (503 with Retry-After); the others carry on.</summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class ShardIsolationTests
{
    [PostgresClusterFact]
    public async Task With_one_shard_stopped_its_patients_get_503_with_Retry_After_and_every_other_patient_reads_and_writes_on()
    {
        await using var deployment = await ShardedDeployment.StartAsync("isolation", shards: 2);
        var buckets = deployment.Host.Services.GetRequiredService<PatientBuckets>();
        var patients = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToList();
        foreach (var patientId in patients)
        {
            (await deployment.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        // Bucket i is on shard (i mod 2) + 1 (DeploymentBuckets' initial assignment; ShardRoutingTests pins it).
        var onStopped = patients.Where(p => buckets.BucketOf(p) % 2 == 1).ToList();
        var onRunning = patients.Except(onStopped).ToList();
        onStopped.ShouldNotBeEmpty();
        onRunning.ShouldNotBeEmpty();

        await deployment.Shards[1].StopAsync();
        try
        {
            using var client = deployment.Host.Server.CreateClient();
            foreach (var patientId in onStopped)
            {
                foreach (var request in new Func<HttpRequestMessage>[]
                         {
                             () => new HttpRequestMessage(HttpMethod.Get, $"/api/patients/{patientId}"),
                             () => new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/episodes") { Content = Records.JsonContent(Records.Episode()) },
                         })
                {
                    using var message = request();
                    using var response = await client.SendAsync(message);
                    response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, $"{message.Method} {message.RequestUri}");
                    response.Headers.RetryAfter?.Delta.ShouldNotBeNull();
                    response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
                }
            }

            // The node stays ready (it serves every other bucket) and says it is degraded.
            using (var ready = await client.GetAsync("/health/ready"))
            {
                ready.StatusCode.ShouldBe(HttpStatusCode.OK);
                (await ready.Content.ReadAsStringAsync()).ShouldBe("Degraded");
            }

            foreach (var patientId in onRunning)
            {
                (await deployment.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())).Status
                    .ShouldBe(HttpStatusCode.Created);
                (await deployment.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline", null)).Status.ShouldBe(HttpStatusCode.OK);
            }
        }
        finally
        {
            await deployment.Shards[1].StartAsync();
        }

        // Back: the stopped shard's patients write again, and nothing written while it was down was stored.
        foreach (var patientId in onStopped)
        {
            (await deployment.Host.StreamVersionAsync(patientId)).ShouldBe(1, "the refused episode was not stored");
            (await deployment.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().ToJsonString())).Status
                .ShouldBe(HttpStatusCode.Created);
        }
    }
}
