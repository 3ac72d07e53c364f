using System.Collections.Concurrent;
using System.Globalization;
using JasperFx.Events;

namespace EventHealth.Recording;

/// <summary>The patient's time zone from a moment of recording on.</summary>
public sealed record ZonePeriod(DateTimeOffset EffectiveFrom, string TimeZone);

/// <summary>
/// The patient's local calendar: the one definition of which local day an instant falls on, where a local day begins
/// and ends, and which zone the patient had at a moment (the enrolment zone, then each change of zone from the moment it
/// was recorded, so a move does not rewrite past days). Daily summaries, detection, the digest, experiments and the
/// backtest all count days through it. Zones are IANA ids; DST and historical offsets come from the zone rules.
/// </summary>
public static class PatientCalendar
{
    /// <summary>How a local day is written in documents and keys ("2026-03-29").</summary>
    public const string DateFormat = "yyyy-MM-dd";

    /// <summary>Zones by IANA id, looked up once: the system lookup takes a lock and normalises the id on every call.</summary>
    private static readonly ConcurrentDictionary<string, TimeZoneInfo> ZonesById = new(StringComparer.Ordinal);

    public static TimeZoneInfo Zone(string ianaId) => ZonesById.GetOrAdd(ianaId, TimeZoneInfo.FindSystemTimeZoneById);

    /// <summary>The local date in <paramref name="zone"/> at <paramref name="instant"/>.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, string zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone(zone)).DateTime);

    /// <summary>The patient's local date now.</summary>
    public static DateOnly Today(string zone, TimeProvider clock) => LocalDate(clock.GetUtcNow(), zone);

    /// <summary>The instant a local wall-clock time names in <paramref name="zone"/>. A time a DST jump skips takes the
    /// zone's standard offset (so a skipped midnight gives the first instant of the day); a repeated time, the first.</summary>
    public static DateTimeOffset At(DateOnly day, TimeOnly time, string zone)
    {
        var wall = day.ToDateTime(time);
        var rules = Zone(zone);
        var offset = rules.IsAmbiguousTime(wall) ? rules.GetAmbiguousTimeOffsets(wall).Max() : rules.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset);
    }

    /// <summary>The first instant of a local day (its midnight, or where a DST jump over midnight lands).</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, string zone) => At(day, TimeOnly.MinValue, zone);

    /// <summary>The last instant (tick) of a local day: what had been recorded by then is what the day could know.</summary>
    public static DateTimeOffset EndOfDay(DateOnly day, string zone) => StartOfDay(day.AddDays(1), zone).AddTicks(-1);

    /// <summary>The IANA zone the patient had at <paramref name="instant"/> (the first zone before any change, UTC without any).</summary>
    public static string ZoneAt(IReadOnlyList<ZonePeriod> zones, DateTimeOffset instant)
    {
        // The last period begun by then; a loop rather than LastOrDefault's closure, which was an allocation per entry of a rebuild.
        for (var i = zones.Count - 1; i >= 0; i--)
        {
            if (zones[i].EffectiveFrom <= instant)
            {
                return zones[i].TimeZone;
            }
        }

        return zones.Count > 0 ? zones[0].TimeZone : "UTC";
    }

    /// <summary>The zone an event of the stream sets from when it was recorded on: enrolment (from the beginning) and a
    /// change of contact details that names a zone; null for every other event.</summary>
    public static ZonePeriod? ZoneSetBy(IEvent @event) => @event.Data switch
    {
        PatientEnrolled enrolled => new ZonePeriod(DateTimeOffset.MinValue, enrolled.TimeZone),
        ContactDetailsChanged { TimeZone: { } zone } => new ZonePeriod(EventMetadata.RecordedAt(@event), zone),
        _ => null,
    };

    public static string Format(DateOnly day) => day.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>A day written as <see cref="DateFormat"/>. The daily projection parses one per entry, so the common
    /// shape is read digit by digit (DateOnly.ParseExact's general format machinery cost 5% of a rebuild); anything
    /// else goes to ParseExact, which accepts or refuses it as before.</summary>
    public static DateOnly ParseDay(string day)
    {
        if (day.Length == 10 && day[4] == '-' && day[7] == '-'
            && int.TryParse(day.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            && int.TryParse(day.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            && int.TryParse(day.AsSpan(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var dayOfMonth)
            && year >= 1 && month is >= 1 and <= 12 && dayOfMonth >= 1 && dayOfMonth <= DateTime.DaysInMonth(year, month))
        {
            return new DateOnly(year, month, dayOfMonth);
        }

        return DateOnly.ParseExact(day, DateFormat, CultureInfo.InvariantCulture);
    }
}
