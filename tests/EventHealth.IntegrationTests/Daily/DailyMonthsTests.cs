using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Daily;
using EventHealth.IntegrationTests.Infrastructure;
using Marten;

namespace EventHealth.IntegrationTests.Daily;

/// <summary>
/// The daily summaries are one document per record and local month (docs/read-side.md, "What a long calendar costs"):
/// a read across months gathers them, the verified rebuild compares and repairs each month, and a document stored with
/// all its days in it (before the months) is read as it is, and hands them to their months on its next batch.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DailyMonthsTests(AppFixture app)
{
    /// <summary>One episode a day at noon UTC (the patient is on UTC), 25 July to 5 September 2026: three months.</summary>
    private static readonly DateTimeOffset FirstDay = new(2026, 7, 25, 12, 0, 0, TimeSpan.Zero);
    private const int Days = 43;

    [Fact]
    public async Task A_range_across_months_reads_each_month_and_the_rebuild_repairs_a_missing_a_drifted_and_an_extra_month()
    {
        var patientId = await RecordDiaryAsync();
        var expected = await DailyAsync(patientId);
        expected.Count.ShouldBe(Days);
        (await MonthsAsync(patientId)).Select(m => m.Month).ShouldBe(["2026-07", "2026-08", "2026-09"]);

        await using (var session = app.Host.WriteFor(patientId))
        {
            var july = (await session.LoadAsync<PatientMonth>(PatientMonth.IdFor(patientId, "2026-07")))!;
            july.Tallies["2026-07-30"].Episodes = 9;
            session.Store(july);
            session.Delete<PatientMonth>(PatientMonth.IdFor(patientId, "2026-08"));
            session.Store(PatientMonth.For(patientId, "2026-01"));
            await session.SaveChangesAsync();
        }

        var report = await app.Host.RebuildProjectionsAsync(repair: true);
        var days = report.GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("projection").GetString() == "PatientDays");
        (days.GetProperty("unequal").GetInt32(), days.GetProperty("repaired").GetInt32()).ShouldBe((3, 3));
        days.GetProperty("firstDifference").GetString().ShouldNotBeNull().ShouldStartWith($"PatientDays {patientId:N}/2026-01");

        (await app.Host.RebuildProjectionsAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
        (await MonthsAsync(patientId)).Select(m => m.Month).ShouldBe(["2026-07", "2026-08", "2026-09"]);
        (await DailyAsync(patientId)).ShouldBe(expected);
    }

    [Fact]
    public async Task A_document_stored_with_all_its_days_hands_them_to_their_months_on_its_next_batch()
    {
        var patientId = await RecordDiaryAsync();
        var expected = await DailyAsync(patientId);

        // As documents were stored before the months: every day under the record's document, no month documents.
        await using (var session = app.Host.WriteFor(patientId))
        {
            var months = await MonthsAsync(patientId);
            var record = (await session.LoadAsync<PatientDays>(patientId))!;
            record.StoredTallies = new(months.SelectMany(m => m.Tallies).ToDictionary(d => d.Key, d => d.Value), StringComparer.Ordinal);
            session.Store(record);
            foreach (var month in months)
            {
                session.Delete(month);
            }

            await session.SaveChangesAsync();
        }

        // Until its next batch, such a record reads from the days its document holds.
        (await DailyAsync(patientId)).ShouldBe(expected);

        var late = FirstDay.AddDays(Days);
        await app.Host.RecordBatchAsync(patientId, Records.Episode(intensity: 7, occurredAt: late).Typed("episode"));
        await app.WaitForProjectionsAsync();

        var after = await DailyAsync(patientId);
        after.Count.ShouldBe(Days + 1);
        after.Take(Days).ShouldBe(expected);
        (await MonthsAsync(patientId)).Select(m => m.Month).ShouldBe(["2026-07", "2026-08", "2026-09"]);
        await using (var query = app.Host.QueryFor(patientId))
        {
            (await query.LoadAsync<PatientDays>(patientId))!.StoredTallies.ShouldBeNull();
        }

        (await app.Host.RebuildProjectionsAsync(repair: false)).GetProperty("allEqual").GetBoolean().ShouldBeTrue();
    }

    private async Task<Guid> RecordDiaryAsync()
    {
        var patientId = await app.Host.EnrollAsync();
        await app.Host.RecordBatchAsync(patientId, [.. Enumerable.Range(0, Days).Select(day => Records.Episode(intensity: day % 10 + 1, occurredAt: FirstDay.AddDays(day)).Typed("episode"))]);
        await app.WaitForProjectionsAsync();
        return patientId;
    }

    /// <summary>The rows of the range covering the diary and a day after it, each as its JSON.</summary>
    private async Task<List<string>> DailyAsync(Guid patientId)
    {
        var daily = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/daily?from=2026-07-20&to=2026-09-30"))!;
        daily.GetProperty("projectedThroughVersion").GetInt64().ShouldBe(daily.GetProperty("streamVersion").GetInt64());
        return [.. daily.GetProperty("days").EnumerateArray().Select(d => d.GetRawText())];
    }

    private async Task<List<PatientMonth>> MonthsAsync(Guid patientId)
    {
        await using var query = app.Host.QueryFor(patientId);
        return [.. (await query.Query<PatientMonth>().Where(m => m.PatientId == patientId).ToListAsync()).OrderBy(m => m.Month, StringComparer.Ordinal)];
    }
}
