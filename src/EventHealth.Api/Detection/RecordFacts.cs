using EventHealth.Alerts;
using EventHealth.Daily;
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
public sealed record RecordFacts(
    Guid PatientId,
    long Version,
    string CurrentTimeZone,
    IReadOnlyList<Fact> Entries,
    IReadOnlyList<AlertRaised> Alerts)
{
    /// <summary>Folds one stream's events (in version order). Pure.</summary>
    public static RecordFacts From(Guid patientId, IEnumerable<IEvent> events)
    {
        var zones = new List<ZonePeriod>();
        var entries = new Dictionary<Guid, (IPatientEntry Entry, long Version)>();
        var alerts = new List<AlertRaised>();
        long version = 0;

        foreach (var @event in events)
        {
            version = @event.Version;
            switch (@event.Data)
            {
                case PatientEnrolled enrolled:
                    zones.Add(new ZonePeriod(DateTimeOffset.MinValue, enrolled.TimeZone));
                    break;
                case ContactDetailsChanged { TimeZone: { } zone }:
                    zones.Add(new ZonePeriod(EventMetadata.RecordedAt(@event), zone));
                    break;
                case IPatientEntry entry:
                    entries.TryAdd(entry.EntryId, (entry, @event.Version));
                    break;
                case EntryRetracted retracted:
                    entries.Remove(retracted.EntryId);
                    break;
                case AlertRaised alert:
                    alerts.Add(alert);
                    break;
            }
        }

        var facts = entries.Values
            .Select(e => new Fact(e.Entry, PatientDays.LocalDate(e.Entry.OccurredAt, PatientDays.ZoneAt(zones, e.Entry.OccurredAt)), e.Version))
            .OrderBy(f => f.Entry.OccurredAt).ThenBy(f => f.EntryId)
            .ToList();
        return new RecordFacts(patientId, version, zones.Count == 0 ? "UTC" : zones[^1].TimeZone, facts, alerts);
    }

    /// <summary>The patient's local date at <paramref name="instant"/>: the last day of every window.</summary>
    public DateOnly Today(DateTimeOffset instant) => PatientDays.LocalDate(instant, CurrentTimeZone);

    /// <summary>Entries of the latest <paramref name="days"/> local days: today and the days-1 before it.</summary>
    public IEnumerable<Fact> Within(DateOnly today, int days) =>
        Entries.Where(f => f.Day <= today && f.Day > today.AddDays(-days));
}
