using System.Globalization;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;

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
    double? SleepHours = null);

/// <summary>The patient's time zone from a moment of recording on.</summary>
public sealed record ZonePeriod(DateTimeOffset EffectiveFrom, string TimeZone);

/// <summary>
/// Daily summaries of one record (async projection, one document per patient). An entry belongs to the local
/// day of its occurredAt in the time zone the patient had at that moment: the enrollment zone, then each change
/// of zone from the moment it was recorded. So a move does not rewrite past days, DST is handled by the zone
/// rules, and a backfilled entry lands on the day it happened. A night's sleep counts for the day it ends.
/// </summary>
public sealed class PatientDays
{
    public const string DateFormat = "yyyy-MM-dd";

    public Guid Id { get; set; }

    /// <summary>The stream version this document reflects, maintained by Marten.</summary>
    public long Version { get; set; }

    public List<ZonePeriod> Zones { get; set; } = [];

    /// <summary>Contributions of the entries that still count, by local day ("yyyy-MM-dd").</summary>
    public SortedDictionary<string, List<DayContribution>> Contributions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The day of each counted entry, so that a retraction finds its contribution.</summary>
    public Dictionary<Guid, string> DayOfEntry { get; set; } = [];

    public SortedDictionary<string, DailySummary> Days { get; set; } = new(StringComparer.Ordinal);

    public void Apply(IEvent<PatientEnrolled> enrolled)
    {
        Id = enrolled.StreamId;
        Zones = [new ZonePeriod(DateTimeOffset.MinValue, enrolled.Data.TimeZone)];
    }

    public void Apply(IEvent<ContactDetailsChanged> changed)
    {
        if (changed.Data.TimeZone is { } zone)
        {
            Zones.Add(new ZonePeriod(EventMetadata.RecordedAt(changed), zone));
        }
    }

    public void Apply(IPatientEntry entry)
    {
        // A clinician's note is not something the patient lived: it adds to no day.
        if (entry is ClinicianNoteAdded || DayOfEntry.ContainsKey(entry.EntryId))
        {
            return;
        }

        var contribution = Contribute(entry);
        DayOfEntry[entry.EntryId] = contribution.Day;
        if (!Contributions.TryGetValue(contribution.Day, out var list))
        {
            Contributions[contribution.Day] = list = [];
        }

        list.Add(contribution);
        Recompute(contribution.Day);
    }

    public void Apply(EntryRetracted retracted)
    {
        if (!DayOfEntry.Remove(retracted.EntryId, out var day))
        {
            return;
        }

        Contributions[day].RemoveAll(c => c.EntryId == retracted.EntryId);
        if (Contributions[day].Count == 0)
        {
            Contributions.Remove(day);
        }

        Recompute(day);
    }

    public string ZoneAt(DateTimeOffset instant) => ZoneAt(Zones, instant);

    /// <summary>The IANA zone the patient had at <paramref name="instant"/> (the first zone before any change).</summary>
    public static string ZoneAt(IReadOnlyList<ZonePeriod> zones, DateTimeOffset instant) =>
        zones.LastOrDefault(z => z.EffectiveFrom <= instant)?.TimeZone ?? (zones.Count > 0 ? zones[0].TimeZone : "UTC");

    public static DateOnly LocalDate(DateTimeOffset instant, string zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone(zone)).DateTime);

    /// <summary>Zones by IANA id, looked up once: the system lookup takes a lock and normalises the id on every call.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> ZonesById = new(StringComparer.Ordinal);

    private static TimeZoneInfo Zone(string id) => ZonesById.GetOrAdd(id, TimeZoneInfo.FindSystemTimeZoneById);

    /// <summary>The instant a local day begins in <paramref name="zone"/> (its midnight, or the zone's standard offset when a DST jump skips midnight).</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, string zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, Zone(zone).GetUtcOffset(midnight));
    }

    public static string LocalDay(DateTimeOffset instant, string zone) =>
        LocalDate(instant, zone).ToString(DateFormat, CultureInfo.InvariantCulture);

    private DayContribution Contribute(IPatientEntry entry)
    {
        var zone = ZoneAt(entry.OccurredAt);
        var day = LocalDay(entry.OccurredAt, zone);
        var contribution = new DayContribution(entry.EntryId, day, zone, entry.OccurredAt, EntryKinds.Of(entry));
        return entry switch
        {
            TwitchEpisodeRecorded e => contribution with { Intensity = e.Intensity },
            TriggerReported e => contribution with { Trigger = JsonSetup.Spelling(e.Kind), Level = e.Level },
            InterventionApplied e => contribution with { Intervention = JsonSetup.Spelling(e.Kind) },
            NeurologicalSymptomReported e => contribution with { Symptom = JsonSetup.Spelling(e.Kind) },
            IntakeLogged e => contribution with { WaterMl = e.WaterMl, CaffeineMg = e.CaffeineMg },
            SleepLogged e => contribution with
            {
                Day = e.Night.AddDays(1).ToString(DateFormat, CultureInfo.InvariantCulture),
                SleepHours = e.Hours,
            },
            _ => contribution,
        };
    }

    private void Recompute(string day)
    {
        if (!Contributions.TryGetValue(day, out var list) || list.Count == 0)
        {
            Days.Remove(day);
            return;
        }

        Days[day] = Summarize(DateOnly.ParseExact(day, DateFormat, CultureInfo.InvariantCulture), list);
    }

    /// <summary>The day's figures from its contributions. Pure.</summary>
    public static DailySummary Summarize(DateOnly date, IReadOnlyList<DayContribution> contributions)
    {
        var intensities = contributions.Where(c => c.Kind == EntryKinds.Episode).Select(c => c.Intensity!.Value).ToList();
        var stressLevels = contributions.Where(c => c.Trigger == "stress" && c.Level is not null).Select(c => c.Level!.Value).ToList();
        var sleep = contributions.Where(c => c.SleepHours is not null).Select(c => c.SleepHours!.Value).ToList();
        var water = contributions.Where(c => c.WaterMl is not null).Select(c => c.WaterMl!.Value).ToList();
        var caffeine = contributions.Where(c => c.CaffeineMg is not null).Select(c => c.CaffeineMg!.Value).ToList();

        return new DailySummary(
            date,
            contributions.MaxBy(c => c.OccurredAt)!.TimeZone,
            intensities.Count,
            intensities.Count == 0 ? null : intensities.Max(),
            intensities.Count == 0 ? null : Math.Round(intensities.Average(), 2),
            contributions.Count(c => c.Kind == EntryKinds.Cramp),
            sleep.Count == 0 ? null : Math.Round(sleep.Sum(), 2),
            water.Count == 0 ? null : water.Sum(),
            caffeine.Count == 0 ? null : caffeine.Sum(),
            stressLevels.Count == 0 ? null : stressLevels.Max(),
            Distinct(contributions.Select(c => c.Trigger)),
            Distinct(contributions.Select(c => c.Intervention)),
            Distinct(contributions.Select(c => c.Symptom)),
            contributions.Count);
    }

    private static List<string> Distinct(IEnumerable<string?> values) =>
        values.OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
}
