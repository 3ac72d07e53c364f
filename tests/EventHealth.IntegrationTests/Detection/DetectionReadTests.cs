using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Detection;
using EventHealth.Hosting;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Sharding;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Detection;

/// <summary>
/// The detection run reads a record's last weeks and what starts its observation, not its years
/// (<see cref="EventStoreQueries.DetectionEventsAsync"/>): on a long record whose first entries were retracted, that moved
/// zone, and whose last event is an old entry backfilled, the facts it folds decide what the whole record decides.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DetectionReadTests(AppFixture app)
{
    [Fact]
    public async Task The_facts_of_a_long_record_read_from_its_last_weeks_decide_as_the_whole_record()
    {
        var now = DateTimeOffset.UtcNow;
        var patientId = await app.Host.EnrollAsync();
        JsonObject Episode(double daysAgo, int intensity = 3) => Records.Episode(occurredAt: now.AddDays(-daysAgo), intensity: intensity).Typed("episode");

        // The first two entries are taken back: observation starts with the third.
        var first = await app.Host.RecordBatchAsync(patientId, Episode(200), Episode(199.5), Episode(199));
        // A year of one entry every other day, then a move to Auckland (UTC+12/+13, so local days run ahead of UTC's).
        var year = await app.Host.RecordBatchAsync(patientId, [.. Enumerable.Range(0, 80).Select(i => Episode(190 - i * 2))]);
        (await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}", "{\"timeZone\":\"Pacific/Auckland\"}")).Status.ShouldBe(HttpStatusCode.OK);
        // The last weeks: a burst of strong episodes that the rules can see, and one a day before it.
        await app.Host.RecordBatchAsync(patientId, [.. Enumerable.Range(0, 25).Select(i => Episode(27.5 - i)), .. Enumerable.Range(0, 12).Select(i => Episode(2.5 - i * 0.2, intensity: 9))]);
        foreach (var retracted in new[] { first[0], first[1], year[40], year[79] })
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{retracted}/retraction", "{\"reason\":\"read test\"}"))
                .Status.ShouldBe(HttpStatusCode.Created);
        }

        // The record's last event is an entry from months ago.
        await app.Host.RecordBatchAsync(patientId, Episode(100));

        var sessions = app.Host.Services.GetRequiredService<TenantSessions>();
        var queries = app.Host.Services.GetRequiredService<EventStoreQueries>();
        var read = (await RecordEvents.FoldAsync(sessions, queries, sessions.Buckets.TenantOf(patientId), [patientId], now, CancellationToken.None)).Single();
        RecordFacts whole;
        await using (var query = app.Host.QueryFor(patientId))
        {
            whole = RecordFacts.From(patientId, await query.Events.FetchStreamAsync(patientId));
        }

        read.Entries.Count.ShouldBeLessThan(whole.Entries.Count / 2);
        (read.Version, read.CurrentTimeZone, read.ObservationStart).ShouldBe((whole.Version, whole.CurrentTimeZone, whole.ObservationStart));
        read.ObservationStart.ShouldBe(whole.Entries[0].Day);
        var today = whole.Today(now);
        static IEnumerable<(Guid, DateOnly, long)> Seen(RecordFacts facts, DateOnly today) =>
            facts.Within(today, DetectionDecisions.LongestWindowDays).Select(f => (f.EntryId, f.Day, f.Version));
        Seen(read, today).ShouldBe(Seen(whole, today));

        var (fromRead, fromWhole) = (DetectionDecisions.Evaluate(read, now), DetectionDecisions.Evaluate(whole, now));
        fromWhole.Matches.ShouldNotBeEmpty();
        Json(fromRead).ShouldBe(Json(fromWhole));
    }

    private static string Json(Evaluation evaluation) => JsonSerializer.Serialize(evaluation, EventHealth.Http.JsonSetup.Options);
}
