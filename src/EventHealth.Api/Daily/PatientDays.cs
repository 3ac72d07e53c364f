using System.Text.Json.Serialization;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;
using Marten;

namespace EventHealth.Daily;

/// <summary>One local day of a record: the figures of the contract's daily summary.</summary>
/// <param name="Stress">The highest stress level reported that day (0-10), null when none was reported with a level.</param>
/// <param name="Entries">How many entries (not retracted) the day holds.</param>
public sealed record DailySummary(
    DateOnly Date,
    string TimeZone,
    int Episodes,
    int? MaxIntensity,
    double? MeanIntensity,
    int Cramps,
    double? SleepHours,
    int? WaterMl,
    int? CaffeineMg,
    int? Stress,
    IReadOnlyList<string> Triggers,
    IReadOnlyList<string> Interventions,
    IReadOnlyList<string> Symptoms,
    int Entries);

/// <summary>What one entry adds to its local day. Kept so that a retraction can take exactly that back out.</summary>
public sealed record DayContribution(
    Guid EntryId,
    string Day,
    string TimeZone,
    DateTimeOffset OccurredAt,
    string Kind,
    int? Intensity = null,
    string? Trigger = null,
    int? Level = null,
    string? Intervention = null,
    string? Symptom = null,
    int? WaterMl = null,
    int? CaffeineMg = null,
    double? SleepHours = null)
{
    /// <summary>Recording order within one fold: a recount adds a day's contributions in the order they were first added.</summary>
    public int Order { get; init; }
}

/// <summary>
/// Running totals of one local day, from which its <see cref="DailySummary"/> follows. Adding a contribution is all
/// a new entry needs; a retraction recounts the day (<see cref="PatientDays.Recount"/>).
/// </summary>
public sealed class DayTally
{
    public int Entries { get; set; }
    public int Episodes { get; set; }
    public long IntensitySum { get; set; }
    public int? MaxIntensity { get; set; }
    public int Cramps { get; set; }
    public double? SleepHours { get; set; }
    public int? WaterMl { get; set; }
    public int? CaffeineMg { get; set; }
    public int? Stress { get; set; }
    public List<string> Triggers { get; set; } = [];
    public List<string> Interventions { get; set; } = [];
    public List<string> Symptoms { get; set; } = [];

    /// <summary>The zone of the day's latest occurrence (the first one recorded, on a tie): the day's zone in its summary.</summary>
    public DateTimeOffset LatestOccurredAt { get; set; } = DateTimeOffset.MinValue;
    public string LatestZone { get; set; } = "UTC";

    /// <summary>The totals of <paramref name="contributions"/>, added in the order given.</summary>
    public static DayTally Of(IEnumerable<DayContribution> contributions)
    {
        var tally = new DayTally();
        foreach (var contribution in contributions)
        {
            tally.Add(contribution);
        }

        return tally;
    }

    public void Add(DayContribution contribution)
    {
        if (Entries == 0 || contribution.OccurredAt > LatestOccurredAt)
        {
            LatestOccurredAt = contribution.OccurredAt;
            LatestZone = contribution.TimeZone;
        }

        Entries++;
        if (contribution.Kind == EntryKinds.Episode && contribution.Intensity is { } intensity)
        {
            Episodes++;
            IntensitySum += intensity;
            MaxIntensity = Math.Max(MaxIntensity ?? intensity, intensity);
        }

        if (contribution.Kind == EntryKinds.Cramp)
        {
            Cramps++;
        }

        if (contribution.Trigger == "stress" && contribution.Level is { } level)
        {
            Stress = Math.Max(Stress ?? level, level);
        }

        SleepHours = Plus(SleepHours, contribution.SleepHours);
        WaterMl = Plus(WaterMl, contribution.WaterMl);
        CaffeineMg = Plus(CaffeineMg, contribution.CaffeineMg);
        AddDistinct(Triggers, contribution.Trigger);
        AddDistinct(Interventions, contribution.Intervention);
        AddDistinct(Symptoms, contribution.Symptom);
    }

    public DailySummary Summary(DateOnly date) => new(
        date,
        LatestZone,
        Episodes,
        MaxIntensity,
        Episodes == 0 ? null : Math.Round((double)IntensitySum / Episodes, 2),
        Cramps,
        SleepHours is { } hours ? Math.Round(hours, 2) : null,
        WaterMl,
        CaffeineMg,
        Stress,
        [.. Triggers],
        [.. Interventions],
        [.. Symptoms],
        Entries);

    /// <summary>The figures of the local day <paramref name="day"/> ("yyyy-MM-dd").</summary>
    public DailySummary Summary(string day) => Summary(PatientCalendar.ParseDay(day));

    private static double? Plus(double? total, double? value) => value is { } v ? (total ?? 0) + v : total;

    private static int? Plus(int? total, int? value) => value is { } v ? (total ?? 0) + v : total;

    /// <summary>Keeps the list sorted (ordinal) and free of repeats.</summary>
    private static void AddDistinct(List<string> sorted, string? value)
    {
        if (value is null)
        {
            return;
        }

        var at = sorted.BinarySearch(value, StringComparer.Ordinal);
        if (at < 0)
        {
            sorted.Insert(~at, value);
        }
    }
}

/// <summary>
/// A change the fold of a record makes to one local day: an entry's contribution added to it, or the day's totals
/// replaced by a recount (a retraction). Applied, in the order made, to the month document holding the day
/// (<see cref="PatientMonth"/>).
/// </summary>
/// <param name="Recount">The day's totals after a recount; none left (no entry counts on it) when its count is 0.</param>
public sealed record DayChange(string Day, DayContribution? Added, DayTally? Recount);

/// <summary>
/// What the daily summaries of one record are folded from (<see cref="DailySummariesProjection"/>, an async projection):
/// the record's time zones and the version folded through. The days themselves are in one document per record and
/// month (<see cref="PatientMonth"/>): this fold says what changes on which day, the projection applies that to the
/// months it touches. An entry belongs to the local day of its occurredAt in the time zone the patient had at that
/// moment: the enrollment zone, then each change of zone from the moment it was recorded. So a move does not rewrite
/// past days, DST is handled by the zone rules, and a backfilled entry lands on the day it happened. A night's sleep
/// counts for the day it ends. Until issue 23's eleventh pass every day of the record was in this one document, and a
/// diary kept for years paid for rewriting all of them on each append (docs/read-side.md, "What a long calendar costs").
/// </summary>
public sealed class PatientDays
{
    public Guid Id { get; set; }

    /// <summary>The stream version this document (and the record's months) reflect.</summary>
    public long Version { get; set; }

    public List<ZonePeriod> Zones { get; set; } = [];

    /// <summary>
    /// The days as documents stored before issue 23's eleventh pass kept them here, all in one; null for any other.
    /// The projection moves them to their months on the document's next batch (<see cref="TakeStoredTallies"/>).
    /// </summary>
    [JsonPropertyName("tallies"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SortedDictionary<string, DayTally>? StoredTallies { get; set; }

    /// <summary>The days' changes folded since they were last taken, in the order made. Never stored.</summary>
    private List<DayChange> _changes = [];

    /// <summary>The changes folded since the last call, for the months to apply; afterwards there are none.</summary>
    public IReadOnlyList<DayChange> TakeChanges()
    {
        var taken = _changes;
        _changes = [];
        return taken;
    }

    /// <summary>A document stored with its days in it: those days become changes (each a recount), to go to their months.</summary>
    public void TakeStoredTallies()
    {
        foreach (var (day, tally) in StoredTallies ?? [])
        {
            _changes.Add(new DayChange(day, null, tally));
        }

        StoredTallies = null;
    }

    /// <summary>
    /// Folds the record's next event. An event the document already reflects is skipped: totals cannot tell whether an
    /// entry is already in them, and an erasure's repair can store the document rebuilt from every event while the
    /// daemon still has some of them queued (docs/erasure.md).
    /// </summary>
    public async Task FoldAsync(IEvent @event, IQuerySession session)
    {
        if (@event.Version <= Version)
        {
            return;
        }

        switch (@event)
        {
            case IEvent<PatientEnrolled> enrolled:
                Apply(enrolled);
                break;
            case IEvent<ContactDetailsChanged> changed:
                Apply(changed);
                break;
            case IEvent<IPatientEntry> entry:
                Apply(entry);
                break;
            case IEvent<EntryRetracted> retracted:
                await Apply(retracted, session);
                break;
        }

        Id = @event.StreamId;
        Version = @event.Version;
    }

    private void Apply(IEvent<PatientEnrolled> enrolled)
    {
        Zones = [PatientCalendar.ZoneSetBy(enrolled)!];
        if (Version == 0)
        {
            (_folded, _prepared) = (_prepared ?? new FoldedEntries(0), null);
        }
    }

    private void Apply(IEvent<ContactDetailsChanged> changed)
    {
        if (PatientCalendar.ZoneSetBy(changed) is { } period)
        {
            Zones.Add(period);
        }
    }

    private void Apply(IEvent<IPatientEntry> recorded)
    {
        if (Add(recorded.Data) is { } contribution && _folded is not null)
        {
            _folded.Add(contribution);
            if (_folded.Count > FoldedEntriesAtMost && !_replaying)
            {
                // Past this, the memory a fold holds would grow with the record: its retractions read the events instead.
                _folded = null;
            }
        }
    }

    /// <summary>Adds <paramref name="entry"/> to its local day; what it added, or null for a clinician's note.</summary>
    public DayContribution? Add(IPatientEntry entry)
    {
        // A clinician's note is not something the patient lived: it adds to no day.
        if (entry is ClinicianNoteAdded)
        {
            return null;
        }

        var contribution = Contribute(entry);
        _changes.Add(new DayChange(contribution.Day, contribution, null));
        return contribution;
    }

    /// <summary>
    /// Recounts the retracted entry's day from the entries that still count on it. An instance that folded the record
    /// from its enrolment (a rebuild, a new record's first projection batch) has them in memory; any other reads the
    /// record's events up to the retraction, only those that can change the day (<see cref="RetractionHistory"/>): the
    /// zones, the retractions, and the entries around that day.
    /// </summary>
    private async Task Apply(IEvent<EntryRetracted> retracted, IQuerySession session)
    {
        if (_folded is not null)
        {
            if (_folded.Remove(retracted.Data.EntryId) is { } folded)
            {
                Recount(folded, _folded.On(folded));
            }

            return;
        }

        if (await RetractionHistory.RecordingOfAsync(session, retracted.StreamId, retracted.Version, retracted.Data.EntryId) is not { } recording)
        {
            return;
        }

        // The day it counted on is the one the record's zones give now, unless a zone change came after the entry while
        // the entry's time was still ahead (up to the 5 minutes of clock skew an entry may have): the replay of the
        // events around that day says, and if it says otherwise, the events around the day it says are read again.
        async Task<FoldedEntries> ReplayAroundAsync(string day) => await ReplayAsync(
            await RetractionHistory.AroundAsync(session, retracted.StreamId, retracted.Version, recording.Version, day), retracted, session);
        var expected = DayOf(recording.Data, PatientCalendar.ZoneAt(Zones, recording.Data.OccurredAt));
        var replayed = await ReplayAroundAsync(expected);
        if (replayed.Remove(retracted.Data.EntryId) is not { } countedOn)
        {
            return;
        }

        if (countedOn != expected)
        {
            replayed = await ReplayAroundAsync(countedOn);
            replayed.Remove(retracted.Data.EntryId);
        }

        Recount(countedOn, replayed.On(countedOn));
    }

    /// <summary>
    /// What <paramref name="history"/> (in version order) counts, as every fold counts it, up to
    /// <paramref name="retraction"/>: each entry's contribution by day, earlier retractions taken out.
    /// </summary>
    private static async Task<FoldedEntries> ReplayAsync(IEnumerable<IEvent> history, IEvent<EntryRetracted> retraction, IQuerySession session)
    {
        var replay = new PatientDays { _folded = new FoldedEntries(0), _replaying = true };
        foreach (var @event in history.TakeWhile(e => e.Version < retraction.Version))
        {
            await replay.FoldAsync(@event, session);
        }

        return replay._folded!;
    }

    /// <summary>Replaces a day's totals with those of <paramref name="contributions"/> (in recording order); no contribution, no day.</summary>
    public void Recount(string day, IEnumerable<DayContribution> contributions) => _changes.Add(new DayChange(day, null, DayTally.Of(contributions)));

    private int _contributed;

    /// <summary>
    /// Each counted entry's contribution, kept in memory (never stored) while this instance has folded every event of
    /// the record since its enrolment, so that a retraction recounts its day from here: a rebuild of a record with
    /// thousands of retractions would otherwise read the record once per retraction (docs/benchmarks.md, issue 23's
    /// seventh pass). Null for an instance loaded from its stored document. The projection loads the document for each
    /// batch (<see cref="DailySummariesProjection"/>), so outside a rebuild this lasts one batch.
    /// </summary>
    private FoldedEntries? _folded;

    /// <summary>What a rebuild's fold keeps from enrolment on (<see cref="ForRecordOf"/>), sized for the record; null otherwise.</summary>
    private FoldedEntries? _prepared;

    /// <summary>
    /// A fold of a whole record of <paramref name="events"/> events (a rebuild): what it keeps for retractions is sized
    /// for them once, where growing it to a long record's size left each smaller copy to the garbage collector. With
    /// <paramref name="keptBefore"/>, the storage an earlier record's fold kept is emptied and used again: the earlier
    /// fold must be done with it.
    /// </summary>
    internal static PatientDays ForRecordOf(long events, FoldedEntries? keptBefore = null)
    {
        var capacity = (int)Math.Min(events, FoldedEntriesAtMost);
        return new() { _prepared = keptBefore?.ForAnotherFold(capacity) ?? new FoldedEntries(capacity) };
    }

    /// <summary>A replay inside a recount (<see cref="ReplayAsync"/>): it keeps its memory whatever its size.</summary>
    private bool _replaying;

    /// <summary>
    /// The most entries a fold keeps in memory (<see cref="FoldedEntries"/>: about 120 bytes each, so about 25 MB for one
    /// record); a longer record's retractions recount from the events (docs/benchmarks.md, issue 23's seventh pass).
    /// </summary>
    internal const int FoldedEntriesAtMost = 200_000;

    /// <summary>
    /// The local day <paramref name="entry"/> counts on, with <paramref name="zone"/> the patient's zone when it happened
    /// (<see cref="PatientCalendar.ZoneAt"/>): a night's sleep on the day the night ends, the day it affects; anything
    /// else on the day it happened where the patient was.
    /// </summary>
    public static string DayOf(IPatientEntry entry, string zone) => PatientCalendar.Format(DateOf(entry, zone));

    /// <summary>The date of <see cref="DayOf"/>.</summary>
    private static DateOnly DateOf(IPatientEntry entry, string zone) => entry is SleepLogged sleep
        ? sleep.Night.AddDays(1)
        : PatientCalendar.LocalDate(entry.OccurredAt, zone);

    /// <summary>The last day contributed to, as a date and as its one string: entries come mostly in order, so most land on it.</summary>
    private (DateOnly Date, string Text)? _lastDay;

    /// <summary>What <paramref name="entry"/> adds to its local day.</summary>
    public DayContribution Contribute(IPatientEntry entry)
    {
        var zone = PatientCalendar.ZoneAt(Zones, entry.OccurredAt);
        var date = DateOf(entry, zone);
        if (_lastDay is not { } last || last.Date != date)
        {
            _lastDay = last = (date, PatientCalendar.Format(date));
        }

        // Each contribution made whole at once: a rebuild makes one per entry of a record, and building one, a copy with
        // the entry's figures and a third sharing its day's string was a tenth of all it allocated (docs/benchmarks.md,
        // issue 23's twenty-third pass). What the fold keeps of it for retractions is values (FoldedEntries).
        var (id, day, at, kind, order) = (entry.EntryId, last.Text, entry.OccurredAt, EntryKinds.Of(entry), _contributed++);
        return entry switch
        {
            TwitchEpisodeRecorded e => new(id, day, zone, at, kind, Intensity: e.Intensity) { Order = order },
            TriggerReported e => new(id, day, zone, at, kind, Trigger: JsonSetup.Spelling(e.Kind), Level: e.Level) { Order = order },
            InterventionApplied e => new(id, day, zone, at, kind, Intervention: JsonSetup.Spelling(e.Kind)) { Order = order },
            NeurologicalSymptomReported e => new(id, day, zone, at, kind, Symptom: JsonSetup.Spelling(e.Kind)) { Order = order },
            IntakeLogged e => new(id, day, zone, at, kind, WaterMl: e.WaterMl, CaffeineMg: e.CaffeineMg) { Order = order },
            SleepLogged e => new(id, day, zone, at, kind, SleepHours: e.Hours) { Order = order },
            _ => new(id, day, zone, at, kind) { Order = order },
        };
    }

    /// <summary>The day's figures from its contributions. Pure.</summary>
    public static DailySummary Summarize(DateOnly date, IReadOnlyList<DayContribution> contributions) => DayTally.Of(contributions).Summary(date);

}
