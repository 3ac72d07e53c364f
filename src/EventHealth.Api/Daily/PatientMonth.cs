using EventHealth.Recording;
using System.Text.Json.Serialization;

namespace EventHealth.Daily;

/// <summary>
/// The daily summaries of one record's local calendar month: a day's running totals (<see cref="DayTally"/>) for each
/// of the month's days that holds entries. One document per record and month, so a projection batch rewrites only the
/// months its entries fall in, and a month's read loads one or two documents, however long the record is
/// (docs/read-side.md, "What a long calendar costs").
/// </summary>
public sealed class PatientMonth
{
    /// <summary><see cref="IdFor"/>: the record, then the month, so a record's months sort together and in order.</summary>
    public string Id { get; set; } = "";

    public Guid PatientId { get; set; }

    /// <summary>"yyyy-MM" of the local days it holds.</summary>
    public string Month { get; set; } = "";

    /// <summary>Running totals of the entries that still count, by local day ("yyyy-MM-dd").</summary>
    public SortedDictionary<string, DayTally> Tallies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Each day's figures, as its tally gives them (<see cref="DayTally.Summary(string)"/>), worked out when asked. Not
    /// stored: they follow from <see cref="Tallies"/> (storing both doubled the document; docs/benchmarks.md, issue 23's
    /// tenth pass).
    /// </summary>
    [JsonIgnore]
    public SortedDictionary<string, DailySummary> Days => new(Tallies.ToDictionary(d => d.Key, d => d.Value.Summary(d.Key)), StringComparer.Ordinal);

    public static string IdFor(Guid patientId, string month) => $"{patientId:N}/{month}";

    /// <summary>The month ("yyyy-MM") of a local day ("yyyy-MM-dd").</summary>
    public static string MonthOf(string day) => day[..7];

    public static string MonthOf(DateOnly day) => MonthOf(PatientCalendar.Format(day));

    public static PatientMonth For(Guid patientId, string month) => new() { Id = IdFor(patientId, month), PatientId = patientId, Month = month };

    /// <summary>No day of the month holds an entry: the document is deleted rather than stored.</summary>
    [JsonIgnore]
    public bool IsEmpty => Tallies.Count == 0;

    /// <summary>Applies a change to one of this month's days.</summary>
    public void Change(DayChange change)
    {
        var tally = change.Recount;
        if (change.Added is { } added)
        {
            if (!Tallies.TryGetValue(change.Day, out tally))
            {
                tally = new DayTally();
            }

            tally.Add(added);
        }

        if (tally is not { Entries: > 0 })
        {
            Tallies.Remove(change.Day);
            return;
        }

        Tallies[change.Day] = tally;
    }

    /// <summary>
    /// Applies <paramref name="changes"/> (in the order made) to a record's <paramref name="months"/> by id, adding the
    /// months they reach that are not there yet; answers the months they changed.
    /// </summary>
    public static IReadOnlyCollection<PatientMonth> ApplyAll(IDictionary<string, PatientMonth> months, Guid patientId, IEnumerable<DayChange> changes)
    {
        var changed = new Dictionary<string, PatientMonth>(StringComparer.Ordinal);
        var (month, document) = ("", (PatientMonth?)null);
        foreach (var change in changes)
        {
            // Changes come mostly in calendar order: the month of the last one is looked up (and its id written) once.
            if (document is null || !change.Day.AsSpan().StartsWith(month) || change.Day.Length <= month.Length)
            {
                month = MonthOf(change.Day);
                var id = IdFor(patientId, month);
                if (!months.TryGetValue(id, out document))
                {
                    months[id] = document = For(patientId, month);
                }

                changed[id] = document;
            }

            document.Change(change);
        }

        return changed.Values;
    }
}
