using System.Net;
using System.Text.Json;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using Marten;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>
/// Two API nodes on one database: their groups race for the same records. Within a node a record is in one group at a
/// time; between nodes the loser's commit fails its version check and the whole group is decided again (docs/recording.md).
/// </summary>
public sealed class GroupCommitRaceTests
{
    [Fact]
    public async Task Two_nodes_writing_the_same_records_at_once_store_every_entry_once_in_contiguous_versions()
    {
        await using var deployment = await ShardedDeployment.StartAsync("writerace", shards: 0, solo: false);
        await using var nodeB = await deployment.StartNodeAsync();
        IAlbaHost[] nodes = [deployment.Host, nodeB];

        var patients = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var patientId in patients)
        {
            (await deployment.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        }

        // Per record: twelve different entries and one entry sent eight times, every write to either node.
        var writes = new List<(Guid PatientId, Guid EntryId, string Body, string CorrelationId, IAlbaHost Node)>();
        foreach (var patientId in patients)
        {
            var repeated = Records.Episode(Guid.NewGuid()).ToJsonString();
            for (var i = 0; i < 20; i++)
            {
                var body = i < 12 ? Records.Episode(Guid.NewGuid()).ToJsonString() : repeated;
                writes.Add((patientId, JsonDocument.Parse(body).RootElement.GetProperty("entryId").GetGuid(), body, $"race-{Guid.NewGuid():N}", nodes[i % 2]));
            }
        }

        using var lostRaces = new Measurements<long>("eventhealth.write.group.lost_races");

        var answers = await Task.WhenAll(writes.Select(w => w.Node.SendRawAsync(HttpMethod.Post, $"/api/patients/{w.PatientId}/episodes", w.Body, ("X-Correlation-ID", w.CorrelationId))));

        lostRaces.Dispose();
        lostRaces.Values.Sum().ShouldBeGreaterThan(0, "the nodes' groups did race (and the losers were decided again)");

        // No deadlock, no 5xx: every write stored or answered as a repeat.
        answers.Select(a => a.Status).ShouldAllBe(status => status == HttpStatusCode.Created || status == HttpStatusCode.OK);
        foreach (var patientId in patients)
        {
            var mine = writes.Zip(answers).Where(w => w.First.PatientId == patientId).ToList();
            mine.Count(w => w.Second.Status == HttpStatusCode.Created).ShouldBe(13, "twelve entries and the first of the repeated one");

            await using var session = deployment.Host.QueryFor(patientId);
            var events = await session.Events.FetchStreamAsync(patientId);
            events.Select(e => e.Version).ShouldBe(Enumerable.Range(1, events.Count).Select(v => (long)v));
            var entries = events.Where(e => e.Data is IPatientEntry).ToList();
            entries.Count.ShouldBe(13);
            entries.Select(e => ((IPatientEntry)e.Data).EntryId).Distinct().Count().ShouldBe(13);

            // Each stored entry carries the correlation id of the request that stored it (the one answered 201).
            foreach (var stored in entries)
            {
                var entryId = ((IPatientEntry)stored.Data).EntryId;
                mine.Where(w => w.First.EntryId == entryId && w.Second.Status == HttpStatusCode.Created)
                    .ShouldHaveSingleItem().First.CorrelationId.ShouldBe(stored.CorrelationId);
            }
        }
    }
}
