using EventHealth.Recording;
using Marten;

namespace EventHealth.Daily;

/// <summary>What the daily summaries of a record say, and the record version they reflect.</summary>
public sealed record SummariesRead(long ProjectedThroughVersion, IReadOnlyList<DailySummary> Days);

/// <summary>
/// The one way the read side reads daily summaries: the record's fold state for its version, then the months asked for,
/// in one round trip. The version is read first, so under concurrent projection the days are never older than the
/// version says (at worst a moment newer).
/// </summary>
public static class DailySummaryReads
{
    /// <summary>The days from <paramref name="from"/> to <paramref name="to"/> (inclusive) that hold entries, in order.</summary>
    public static async Task<SummariesRead> RangeAsync(IQuerySession session, Guid patientId, DateOnly from, DateOnly to, CancellationToken cancellation)
    {
        var monthIds = new List<string>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            monthIds.Add(PatientMonth.IdFor(patientId, PatientMonth.MonthOf(month)));
        }

        var batch = session.CreateBatchQuery();
        var recordRead = batch.Load<PatientDays>(patientId);
        var monthsRead = batch.LoadMany<PatientMonth>().ById(monthIds.ToArray());
        await batch.Execute(cancellation);
        var (first, last) = (PatientCalendar.Format(from), PatientCalendar.Format(to));
        return Read(await recordRead, await monthsRead,
            day => string.CompareOrdinal(day, first) >= 0 && string.CompareOrdinal(day, last) <= 0);
    }

    /// <summary>Every day of the record that holds entries, in order.</summary>
    public static async Task<SummariesRead> AllAsync(IQuerySession session, Guid patientId, CancellationToken cancellation)
    {
        var batch = session.CreateBatchQuery();
        var recordRead = batch.Load<PatientDays>(patientId);
        var monthsRead = batch.Query<PatientMonth>().Where(m => m.PatientId == patientId).ToList();
        await batch.Execute(cancellation);
        return Read(await recordRead, await monthsRead, _ => true);
    }

    /// <summary>
    /// The days of <paramref name="months"/> that <paramref name="wanted"/> keeps, in order; for a record whose document
    /// still holds every day (stored before the months, until its next batch moves them), those days instead.
    /// </summary>
    private static SummariesRead Read(PatientDays? record, IEnumerable<PatientMonth> months, Func<string, bool> wanted)
    {
        var tallies = record?.StoredTallies ?? months.OrderBy(m => m.Month, StringComparer.Ordinal).SelectMany(m => m.Tallies);
        var days = tallies.Where(d => wanted(d.Key)).Select(d => d.Value.Summary(d.Key)).ToList();
        return new SummariesRead(record?.Version ?? 0, days);
    }
}
