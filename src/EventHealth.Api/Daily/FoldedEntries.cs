namespace EventHealth.Daily;

/// <summary>
/// The contributions of a fold's entries that still count, by entry and by day, in the order they were added: what a
/// retraction recounts its day from (<see cref="PatientDays"/>). A rebuild keeps one per entry of a record for as long
/// as it folds the record, so each is kept as plain values, its strings as numbers in a table of the fold's few distinct
/// ones: storage without references, which the garbage collector never traces, in one store sized for the record up
/// front (and in a rebuild emptied and handed to the next record, <see cref="ForAnotherFold"/>), not grown entry by
/// entry. A day's contributions become objects again only when a retraction recounts it. Kept as objects, they had been
/// most of the rebuild's garbage-collection pauses (docs/benchmarks.md, issue 23's twenty-fourth pass).
/// </summary>
/// <param name="capacity">The entries expected, to size the storage once (0 when unknown).</param>
internal sealed class FoldedEntries(int capacity)
{
    private readonly Dictionary<Guid, Folded> _byEntry = new(capacity);

    /// <summary>Each day's entries in the order they were added, by the day's number in <see cref="_strings"/>.</summary>
    private readonly Dictionary<int, List<Guid>> _byDay = [];

    /// <summary>Emptied day lists, for the next day to fill (an imported record's are some 5,000 entries, large objects).</summary>
    private readonly Stack<List<Guid>> _spareDays = new();

    private readonly List<string> _strings = [];
    private readonly Dictionary<string, int> _numbers = new(StringComparer.Ordinal);

    public int Count => _byEntry.Count;

    /// <summary>
    /// Empties this for another record's fold of <paramref name="capacity"/> entries, keeping its storage and its days'
    /// lists: a rebuild hands it from one record to the next (<see cref="Projections.ProjectionVerifier"/>), where a
    /// new one for each long record had been several large-object-heap arrays left to the garbage collector.
    /// </summary>
    public FoldedEntries ForAnotherFold(int capacity)
    {
        _byEntry.Clear();
        _byEntry.EnsureCapacity(capacity);
        foreach (var day in _byDay.Values)
        {
            day.Clear();
            _spareDays.Push(day);
        }

        _byDay.Clear();
        _strings.Clear();
        _numbers.Clear();
        return this;
    }

    public void Add(DayContribution contribution)
    {
        // As a replay of the events counts them: an entry's first contribution is its contribution.
        if (_byEntry.ContainsKey(contribution.EntryId))
        {
            return;
        }

        var folded = new Folded(
            Number(contribution.Day), Number(contribution.TimeZone), contribution.OccurredAt, Number(contribution.Kind),
            contribution.Intensity, Number(contribution.Trigger), contribution.Level, Number(contribution.Intervention),
            Number(contribution.Symptom), contribution.WaterMl, contribution.CaffeineMg, contribution.SleepHours, contribution.Order);
        _byEntry.Add(contribution.EntryId, folded);
        if (!_byDay.TryGetValue(folded.Day, out var day))
        {
            _byDay[folded.Day] = day = _spareDays.TryPop(out var spare) ? spare : [];
        }

        day.Add(contribution.EntryId);
    }

    /// <summary>Takes the entry's contribution out; the day it counted for, or null when it counted for none.</summary>
    public string? Remove(Guid entryId)
    {
        if (!_byEntry.Remove(entryId, out var folded))
        {
            return null;
        }

        var day = _byDay[folded.Day];
        day.Remove(entryId);
        if (day.Count == 0)
        {
            _byDay.Remove(folded.Day);
            _spareDays.Push(day);
        }

        return _strings[folded.Day];
    }

    /// <summary>The day's contributions, in the order they were added.</summary>
    public List<DayContribution> On(string day) =>
        _numbers.TryGetValue(day, out var number) && _byDay.TryGetValue(number, out var entries)
            ? entries.ConvertAll(entryId => ContributionOf(entryId, _byEntry[entryId]))
            : [];

    private DayContribution ContributionOf(Guid entryId, Folded folded) => new(
        entryId, _strings[folded.Day], _strings[folded.TimeZone], folded.OccurredAt, _strings[folded.Kind], folded.Intensity,
        StringOf(folded.Trigger), folded.Level, StringOf(folded.Intervention), StringOf(folded.Symptom), folded.WaterMl,
        folded.CaffeineMg, folded.SleepHours)
    { Order = folded.Order };

    private const int NoString = -1;

    private int Number(string? text)
    {
        if (text is null)
        {
            return NoString;
        }

        if (!_numbers.TryGetValue(text, out var number))
        {
            _numbers[text] = number = _strings.Count;
            _strings.Add(text);
        }

        return number;
    }

    private string? StringOf(int number) => number == NoString ? null : _strings[number];

    /// <summary>A <see cref="DayContribution"/> but its entry id (the key), with a number for each string (<see cref="Number"/>).</summary>
    private readonly record struct Folded(
        int Day,
        int TimeZone,
        DateTimeOffset OccurredAt,
        int Kind,
        int? Intensity,
        int Trigger,
        int? Level,
        int Intervention,
        int Symptom,
        int? WaterMl,
        int? CaffeineMg,
        double? SleepHours,
        int Order);
}
