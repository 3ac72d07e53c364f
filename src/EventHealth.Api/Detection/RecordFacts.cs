using EventHealth.Alerts;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.Detection;

/// <summary>An entry that still counts, with the patient's local day it belongs to and the version that recorded it.</summary>
public sealed record Fact(IPatientEntry Entry, DateOnly Day, long Version)
{
    public Guid EntryId => Entry.EntryId;
}

/// <summary>
/// What detection rules read: a record folded up to a version. Retracted entries are gone; days are local days
/// (the zone the patient had when the entry occurred, as in the daily summaries).
/// </summary>
/// <param name="ObservationStart">The local day observation starts: the patient's local day of the record's earliest
/// entry that still counts, of any kind (retracted entries and clinicians' notes excluded; enrolment alone does not
/// start it); null while the record holds no such entry. From that day on a day without an entry is a day on which
/// nothing happened (no episode = no twitching); before it nothing was observed. The one definition that detection,
/// the digest and anything else counting "days without" use; it holds even when <see cref="Entries"/> holds only a
/// window of the record.</param>
public sealed record RecordFacts(
    Guid PatientId,
    long Version,
    string CurrentTimeZone,
    IReadOnlyList<Fact> Entries,
    IReadOnlyList<AlertRaised> Alerts,
    DateOnly? ObservationStart)
{
    /// <summary>Folds one stream's events (in version order). Pure.</summary>
    public static RecordFacts From(Guid patientId, IEnumerable<IEvent> events)
    {
        var folder = new RecordFactsFolder(patientId);
        foreach (var @event in events)
        {
            folder.Apply(@event);
        }

        return folder.Facts();
    }

    /// <summary>The patient's local date at <paramref name="instant"/>: the last day of every window.</summary>
    public DateOnly Today(DateTimeOffset instant) => PatientCalendar.LocalDate(instant, CurrentTimeZone);

    /// <summary>
    /// How many of the <paramref name="days"/> local days ending <paramref name="lastDay"/> were observed: on or after
    /// <see cref="ObservationStart"/> (and not after <paramref name="lastDay"/>). 0 before the record began.
    /// </summary>
    public int ObservedDays(DateOnly lastDay, int days) =>
        ObservationStart is not { } start ? 0 : Math.Clamp(lastDay.DayNumber - start.DayNumber + 1, 0, days);

    /// <summary>Entries of the latest <paramref name="days"/> local days: today and the days-1 before it.</summary>
    public IEnumerable<Fact> Within(DateOnly today, int days) => Within(Entries, today, days);

    /// <summary>Entries of one type (episodes, symptoms…) of the latest <paramref name="days"/> local days.</summary>
    public IEnumerable<Fact> Within<TEntry>(DateOnly today, int days)
        where TEntry : IPatientEntry => Within(OfType(typeof(TEntry)), today, days);

    private static IEnumerable<Fact> Within(IReadOnlyList<Fact> facts, DateOnly today, int days)
    {
        var before = today.AddDays(-days);
        foreach (var fact in facts)
        {
            if (fact.Day <= today && fact.Day > before)
            {
                yield return fact;
            }
        }
    }

    // Rules read the same few entry types many times over per evaluation: each list of entries is split by type once.
    // Kept beside the list rather than in the record, so that the record's equality and `with` copies stay plain.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IReadOnlyList<Fact>, Dictionary<Type, List<Fact>>> EntriesByType = new();

    private List<Fact> OfType(Type type)
    {
        var byType = EntriesByType.GetValue(Entries, static entries =>
        {
            var split = new Dictionary<Type, List<Fact>>();
            foreach (var fact in entries)
            {
                if (!split.TryGetValue(fact.Entry.GetType(), out var list))
                {
                    split[fact.Entry.GetType()] = list = [];
                }

                list.Add(fact);
            }

            return split;
        });
        return byType.TryGetValue(type, out var facts) ? facts : [];
    }
}

/// <summary>
/// The one definition of "entries that still count" for detection: folds a record's events one at a time, so that the
/// live run (whole stream at once) and the backtest (the record as it stood at the end of each day) read the same facts.
/// </summary>
public sealed class RecordFactsFolder(Guid patientId)
{
    private readonly List<ZonePeriod> zones = [];
    private readonly Dictionary<Guid, Fact> counted = [];
    private readonly Dictionary<DateOnly, List<Fact>> byDay = [];
    private readonly SortedDictionary<DateOnly, int> entriesPerDay = [];
    private readonly List<AlertRaised> alerts = [];

    public long Version { get; private set; }

    public string CurrentTimeZone => zones.Count == 0 ? "UTC" : zones[^1].TimeZone;

    public void Apply(IEvent @event)
    {
        Version = @event.Version;
        switch (@event.Data)
        {
            case PatientEnrolled or ContactDetailsChanged:
                if (PatientCalendar.ZoneSetBy(@event) is { } period)
                {
                    zones.Add(period);
                }

                break;
            case ClinicianNoteAdded:
                break; // a clinician's note is not something the patient lived: no rule reads it, no day is observed by it
            case IPatientEntry entry when !counted.ContainsKey(entry.EntryId):
                var fact = new Fact(entry, PatientCalendar.LocalDate(entry.OccurredAt, PatientCalendar.ZoneAt(zones, entry.OccurredAt)), @event.Version);
                counted.Add(entry.EntryId, fact);
                InsertInOrder(DayList(fact.Day), fact);
                entriesPerDay[fact.Day] = entriesPerDay.GetValueOrDefault(fact.Day) + 1;
                ObservationStart = ObservationStart is { } first && first <= fact.Day ? first : fact.Day;
                break;
            case EntryRetracted retracted when counted.Remove(retracted.EntryId, out var withdrawn):
                byDay[withdrawn.Day].Remove(withdrawn);
                if (--entriesPerDay[withdrawn.Day] == 0)
                {
                    entriesPerDay.Remove(withdrawn.Day);
                    ObservationStart = entriesPerDay.Count == 0 ? null : entriesPerDay.First().Key;
                }

                break;
            case AlertRaised alert:
                alerts.Add(alert);
                break;
        }
    }

    /// <summary>The whole record as folded so far.</summary>
    public RecordFacts Facts() => new(patientId, Version, CurrentTimeZone, Ordered(counted.Values), alerts.ToList(), ObservationStart);

    /// <summary>
    /// The record as folded so far, holding only the entries of the <paramref name="days"/> local days ending
    /// <paramref name="today"/>, with <paramref name="alertsSoFar"/> in place of the stream's alerts. Rules read no
    /// further back than <see cref="DetectionDecisions.LongestWindowDays"/>, so with that window they decide exactly
    /// as on the whole record; the backtest uses it so that its cost follows the events, not the history's length.
    /// </summary>
    public RecordFacts Window(DateOnly today, int days, IReadOnlyList<AlertRaised> alertsSoFar)
    {
        var inWindow = new List<Fact>(capacity: 64);
        for (var day = today.AddDays(-(days - 1)); day <= today; day = day.AddDays(1))
        {
            if (byDay.TryGetValue(day, out var facts))
            {
                inWindow.AddRange(facts);
            }
        }

        // Days are sorted, and so is each day: the concatenation is in order unless a zone change put an entry on a
        // day out of step with its instant, which only a sort can settle.
        return new(patientId, Version, CurrentTimeZone, IsOrdered(inWindow) ? inWindow : Ordered(inWindow), alertsSoFar, ObservationStart);
    }

    /// <summary>Kept up to date by <see cref="Apply"/>: reading the first key of a sorted dictionary walks its tree every time.</summary>
    private DateOnly? ObservationStart { get; set; }

    private List<Fact> DayList(DateOnly day)
    {
        if (!byDay.TryGetValue(day, out var list))
        {
            byDay[day] = list = [];
        }

        return list;
    }

    private static List<Fact> Ordered(IEnumerable<Fact> facts) => facts.OrderBy(f => f, FactOrder.Instance).ToList();

    private static bool IsOrdered(List<Fact> facts)
    {
        for (var i = 1; i < facts.Count; i++)
        {
            if (FactOrder.Instance.Compare(facts[i - 1], facts[i]) > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static void InsertInOrder(List<Fact> facts, Fact fact)
    {
        var at = facts.BinarySearch(fact, FactOrder.Instance);
        facts.Insert(at < 0 ? ~at : at, fact);
    }

    /// <summary>The order of <see cref="RecordFacts.Entries"/>: by occurredAt, then entry id.</summary>
    private sealed class FactOrder : IComparer<Fact>
    {
        public static readonly FactOrder Instance = new();

        public int Compare(Fact? x, Fact? y)
        {
            var byInstant = x!.Entry.OccurredAt.CompareTo(y!.Entry.OccurredAt);
            return byInstant != 0 ? byInstant : x.EntryId.CompareTo(y.EntryId);
        }
    }
}
