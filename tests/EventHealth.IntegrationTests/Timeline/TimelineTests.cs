using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Daily;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Timeline;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Timeline;

[Collection(ApiCollection.Name)]
public sealed class TimelineTests(AppFixture app)
{
    [Fact]
    public async Task Timeline_as_of_an_earlier_instant_equals_the_timeline_served_at_that_instant()
    {
        var week = new DstAndMoveWeek(app);
        using (app.Clock.Set(DstAndMoveWeek.EnrolledAt))
        {
            await week.RecordParisDaysAsync();
            var servedThen = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{week.PatientId}/timeline?limit=500"))!;

            await week.RecordMoveAndCorrectionsAsync();

            var asOf = DstAndMoveWeek.FirstBatchRecordedAt.AddHours(6).ToString("O");
            var replayed = (await app.Host.GetAsJson<JsonElement>(
                $"/api/patients/{week.PatientId}/timeline?limit=500&asOf={Uri.EscapeDataString(asOf)}"))!;

            replayed.GetProperty("items").GetRawText().ShouldBe(servedThen.GetProperty("items").GetRawText());
            replayed.GetProperty("streamVersion").GetInt64().ShouldBe(servedThen.GetProperty("streamVersion").GetInt64());

            var atVersion = (await app.Host.GetAsJson<JsonElement>(
                $"/api/patients/{week.PatientId}/timeline?limit=500&atVersion={servedThen.GetProperty("streamVersion").GetInt64()}"))!;
            atVersion.GetProperty("items").GetRawText().ShouldBe(servedThen.GetProperty("items").GetRawText());

            var now = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{week.PatientId}/timeline?limit=500"))!;
            now.GetProperty("items").GetArrayLength().ShouldBe(11);
        }
    }

    [Fact]
    public async Task Timeline_is_in_occurred_order_with_summaries_and_retractions_marked()
    {
        var patientId = await app.Host.EnrollAsync();
        var late = Guid.NewGuid();
        var early = Guid.NewGuid();
        await Post(patientId, "episodes", Records.Episode(late, 6, DateTimeOffset.UtcNow.AddHours(-1)));
        await Post(patientId, "cramps", Records.Cramp(early).With("occurredAt", DateTimeOffset.UtcNow.AddDays(-3).ToString("O")));
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{late}/retraction", "{\"reason\":\"mistake\"}")).Status
            .ShouldBe(HttpStatusCode.Created);

        var timeline = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline"))!;
        var items = timeline.GetProperty("items").EnumerateArray().ToList();

        items.Select(i => i.GetProperty("entryId").GetGuid()).ShouldBe([early, late]);
        items[0].GetProperty("summary").GetString().ShouldBe("Cramp in calf, severity 7/10, 1 min 30 s, sudden, disrupted daily activities");
        items[1].GetProperty("summary").GetString().ShouldBe("Twitching in calf and eyelid (left), intensity 6/10, 30 s, visible");
        items[1].GetProperty("retracted").GetBoolean().ShouldBeTrue();
        items[1].GetProperty("retraction").GetProperty("reason").GetString().ShouldBe("mistake");
        items[1].GetProperty("retraction").GetProperty("version").GetInt64().ShouldBe(4);
        items[0].GetProperty("retracted").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task From_and_to_filter_by_occurred_at()
    {
        var patientId = await app.Host.EnrollAsync();
        var baseTime = new DateTimeOffset(2026, 5, 10, 12, 0, 0, TimeSpan.Zero);
        for (var day = 0; day < 5; day++)
        {
            await Post(patientId, "episodes", Records.Episode(occurredAt: baseTime.AddDays(day)));
        }

        var from = Uri.EscapeDataString(baseTime.AddDays(1).ToString("O"));
        var to = Uri.EscapeDataString(baseTime.AddDays(3).ToString("O"));
        var timeline = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?from={from}&to={to}"))!;

        timeline.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("occurredAt").GetDateTimeOffset())
            .ShouldBe([baseTime.AddDays(1), baseTime.AddDays(2)]);

        // The same instants written in another offset bound the same entries: from inclusive, to exclusive.
        var fromElsewhere = Uri.EscapeDataString(baseTime.AddDays(1).ToOffset(TimeSpan.FromHours(2)).ToString("O"));
        var toElsewhere = Uri.EscapeDataString(baseTime.AddDays(3).ToOffset(TimeSpan.FromHours(-5)).ToString("O"));
        var elsewhere = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?from={fromElsewhere}&to={toElsewhere}"))!;
        elsewhere.GetProperty("items").GetRawText().ShouldBe(timeline.GetProperty("items").GetRawText());
    }

    [Fact]
    public async Task A_document_written_before_sort_keys_existed_still_shows_on_the_first_page()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        await Post(patientId, "episodes", Records.Episode(entryId));
        await Post(patientId, "episodes", Records.Episode(Guid.NewGuid()));
        await using (var session = app.Host.WriteFor(patientId))
        {
            var entry = (await session.LoadAsync<EventHealth.Recording.RecordedEntry>(EventHealth.Recording.RecordedEntry.IdFor(patientId, entryId)))!;
            session.Store(entry with { SortKey = "" });
            await session.SaveChangesAsync();
        }

        var timeline = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline"))!;

        var items = timeline.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        items[0].GetProperty("entryId").GetGuid().ShouldBe(entryId);
    }

    [Fact]
    public async Task A_page_holding_a_document_of_another_shape_is_answered_through_the_objects()
    {
        var patientId = await app.Host.EnrollAsync();
        var older = Guid.NewGuid();
        var newer = Guid.NewGuid();
        await Post(patientId, "episodes", Records.Episode(older, occurredAt: DateTimeOffset.UtcNow.AddHours(-2)));
        await Post(patientId, "episodes", Records.Episode(newer, occurredAt: DateTimeOffset.UtcNow.AddHours(-1)));
        var before = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?limit=1"))!;
        await using (var session = app.Host.WriteFor(patientId))
        {
            // As written before summaries existed: the field is missing, not null.
            session.QueueSqlCommand($"update {EventHealth.Hosting.EventStoreQueries.RecordedEntries} set data = data - 'summary' where id = ?",
                EventHealth.Recording.RecordedEntry.IdFor(patientId, older));
            await session.SaveChangesAsync();
        }

        // A change behind the write path's back (no new version) is not seen by a page kept at that version.
        app.Host.Services.GetRequiredService<TimelinePages>().Forget();

        var first = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?limit=1"))!;
        var items = first.GetProperty("items").EnumerateArray().ToList();
        items.Single().GetProperty("entryId").GetGuid().ShouldBe(older);
        items.Single().GetProperty("summary").GetString().ShouldBe("");
        first.GetProperty("nextCursor").GetString().ShouldBe(before.GetProperty("nextCursor").GetString());

        var second = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/timeline?limit=1&cursor={first.GetProperty("nextCursor").GetString()}"))!;
        second.GetProperty("items").EnumerateArray().Single().GetProperty("entryId").GetGuid().ShouldBe(newer);
        second.GetProperty("items").EnumerateArray().Single().GetProperty("summary").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Paging_while_appending_neither_repeats_nor_skips()
    {
        var patientId = await app.Host.EnrollAsync();
        var start = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
        var original = new List<Guid>();
        for (var i = 0; i < 25; i++)
        {
            var entryId = Guid.NewGuid();
            original.Add(entryId);
            await Post(patientId, "episodes", Records.Episode(entryId, occurredAt: start.AddHours(i * 7)));
        }

        var seen = new List<(Guid Id, DateTimeOffset At)>();
        string? cursor = null;
        var page = 0;
        do
        {
            var url = $"/api/patients/{patientId}/timeline?limit=6" + (cursor is null ? "" : $"&cursor={cursor}");
            var timeline = (await app.Host.GetAsJson<JsonElement>(url))!;
            seen.AddRange(timeline.GetProperty("items").EnumerateArray()
                .Select(i => (i.GetProperty("entryId").GetGuid(), i.GetProperty("occurredAt").GetDateTimeOffset())));
            cursor = timeline.GetProperty("nextCursor").GetString();

            // Between pages, the phone syncs: one entry before everything read so far, one after it.
            await Post(patientId, "episodes", Records.Episode(occurredAt: start.AddDays(-10 - page)));
            await Post(patientId, "episodes", Records.Episode(occurredAt: start.AddDays(30 + page)));
            page++;
        }
        while (cursor is not null);

        seen.Select(s => s.Id).Distinct().Count().ShouldBe(seen.Count, "no item may repeat");
        original.ShouldBeSubsetOf(seen.Select(s => s.Id), "no original item may be skipped");
        seen.Select(s => s.Id).Where(original.Contains).ShouldBe(original, "originals keep their order");
        seen.Select(s => s.At).ShouldBeInOrder();
    }

    [Fact]
    public async Task A_page_read_again_at_the_same_version_is_the_kept_answer_and_a_new_version_reads_it_again()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        await Post(patientId, "episodes", Records.Episode(entryId, occurredAt: DateTimeOffset.UtcNow.AddHours(-2)));
        using var http = app.Host.Server.CreateClient();
        var url = new Uri($"/api/patients/{patientId}/timeline?limit=1", UriKind.Relative);
        using var first = await http.GetAsync(url);
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = await first.Content.ReadAsByteArrayAsync();

        // Changed behind the write path's back, with no new version: the page kept at this version does not see it,
        // which is what shows that the second answer is the kept one.
        await ChangeSummaryBehindTheApiAsync(patientId, entryId, "changed behind the API");
        using var again = await http.GetAsync(url);
        (await again.Content.ReadAsByteArrayAsync()).ShouldBe(answer);
        again.Headers.ETag.ShouldBe(first.Headers.ETag);
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, url))
        {
            conditional.Headers.IfNoneMatch.Add(first.Headers.ETag!);
            (await http.SendAsync(conditional)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        }

        // A client that asks for no stored answer gets the page as it is read now.
        using (var noCache = new HttpRequestMessage(HttpMethod.Get, url))
        {
            noCache.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
            using var fresh = await http.SendAsync(noCache);
            (await fresh.Content.ReadAsStringAsync()).ShouldContain("changed behind the API");
        }

        // A Cache-Control that does not parse is no reason to fail the read.
        using (var malformed = new HttpRequestMessage(HttpMethod.Get, url))
        {
            malformed.Headers.TryAddWithoutValidation("Cache-Control", "no-cache=\"unterminated, max-age=-1, ,=");
            using var answered = await http.SendAsync(malformed);
            answered.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // A new entry is a new version: the page is read again.
        await Post(patientId, "episodes", Records.Episode(occurredAt: DateTimeOffset.UtcNow.AddHours(-1)));
        var moved = (await app.Host.GetAsJson<JsonElement>(url.ToString()))!;
        moved.GetProperty("streamVersion").GetInt64().ShouldBe(3);
        moved.GetProperty("items")[0].GetProperty("summary").GetString().ShouldBe("changed behind the API");

        // An erased record is gone, whatever page was kept for it.
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{}")).Status.ShouldBe(HttpStatusCode.OK);
        (await http.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.Gone);
    }

    [Fact]
    public async Task A_repair_drops_the_pages_kept_with_what_it_replaced()
    {
        var patientId = await app.Host.EnrollAsync();
        var entryId = Guid.NewGuid();
        await Post(patientId, "episodes", Records.Episode(entryId, 6));
        var url = $"/api/patients/{patientId}/timeline";
        var summary = (await app.Host.GetAsJson<JsonElement>(url))!.GetProperty("items")[0].GetProperty("summary").GetString();
        app.Host.Services.GetRequiredService<TimelinePages>().Forget();
        await ChangeSummaryBehindTheApiAsync(patientId, entryId, "drifted");
        (await app.Host.GetAsJson<JsonElement>(url))!.GetProperty("items")[0].GetProperty("summary").GetString().ShouldBe("drifted");

        (await app.Host.Services.GetRequiredService<EventHealth.Projections.ProjectionVerifier>().RepairStreamAsync(patientId, CancellationToken.None))
            .ShouldBeGreaterThan(0);

        (await app.Host.GetAsJson<JsonElement>(url))!.GetProperty("items")[0].GetProperty("summary").GetString().ShouldBe(summary);
    }

    private async Task ChangeSummaryBehindTheApiAsync(Guid patientId, Guid entryId, string summary)
    {
        await using var session = app.Host.WriteFor(patientId);
        session.QueueSqlCommand($"update {EventHealth.Hosting.EventStoreQueries.RecordedEntries} set data = jsonb_set(data, '{{summary}}', to_jsonb(?::text)) where id = ?",
            summary, EventHealth.Recording.RecordedEntry.IdFor(patientId, entryId));
        await session.SaveChangesAsync();
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("atVersion=0", "atVersion")]
    [InlineData("atVersion=999", "atVersion")]
    [InlineData("atVersion=1&asOf=2026-01-01T00:00:00Z", "atVersion")]
    [InlineData("asOf=yesterday", "asOf")]
    public async Task Bad_timeline_queries_are_400_problems_naming_the_parameter(string query, string field)
    {
        var patientId = await app.Host.EnrollAsync();
        var answer = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline?{query}", null);
        answer.Status.ShouldBe(HttpStatusCode.BadRequest);
        answer.ContentType.ShouldBe("application/problem+json");
        answer.Body.ProblemFields().ShouldContain(field);
    }

    private async Task Post(Guid patientId, string route, JsonObject entry) =>
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", entry.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
}
