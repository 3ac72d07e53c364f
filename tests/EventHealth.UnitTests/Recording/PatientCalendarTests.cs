using System.Globalization;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Recording;

/// <summary>The patient's local calendar at DST edges and in the zones furthest from UTC.</summary>
public sealed class PatientCalendarTests
{
    private static DateTimeOffset Instant(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    [Theory]
    [InlineData("2026-10-25T00:30:00Z", "Europe/Paris", "2026-10-25")] // 02:30 CEST
    [InlineData("2026-10-25T22:30:00Z", "Europe/Paris", "2026-10-25")] // 23:30 CET, after the switch
    [InlineData("2026-03-28T23:30:00Z", "Europe/Paris", "2026-03-29")] // 00:30 CET, the night summer time starts
    [InlineData("2026-10-27T03:30:00Z", "America/New_York", "2026-10-26")]
    [InlineData("2026-10-27T03:30:00Z", "UTC", "2026-10-27")]
    [InlineData("2026-09-26T11:59:59Z", "Pacific/Auckland", "2026-09-26")] // 23:59:59 NZST
    [InlineData("2026-09-26T12:00:00Z", "Pacific/Auckland", "2026-09-27")] // midnight NZST, the day summer time starts
    [InlineData("2026-04-04T10:59:59Z", "Pacific/Auckland", "2026-04-04")] // 23:59:59 NZDT
    [InlineData("2026-04-04T11:00:00Z", "Pacific/Auckland", "2026-04-05")] // midnight NZDT, the day summer time ends
    [InlineData("2026-01-01T09:59:00Z", "Pacific/Kiritimati", "2026-01-01")] // 23:59 at UTC+14
    [InlineData("2026-01-01T10:00:00Z", "Pacific/Kiritimati", "2026-01-02")] // midnight at UTC+14: a day ahead of UTC
    [InlineData("1994-12-31T09:59:00Z", "Pacific/Kiritimati", "1994-12-30")] // 23:59 at UTC-10
    [InlineData("1994-12-31T10:00:00Z", "Pacific/Kiritimati", "1995-01-01")] // the island skipped 31 December 1994
    [InlineData("2026-01-01T10:14:00Z", "Pacific/Chatham", "2026-01-01")] // 23:59 at +13:45
    [InlineData("2026-01-01T10:15:00Z", "Pacific/Chatham", "2026-01-02")] // midnight at +13:45
    [InlineData("2026-07-01T11:14:00Z", "Pacific/Chatham", "2026-07-01")] // 23:59 at +12:45
    [InlineData("2026-07-01T11:15:00Z", "Pacific/Chatham", "2026-07-02")] // midnight at +12:45
    public void An_instant_falls_on_the_local_day_of_the_zone_rules(string instant, string zone, string day)
    {
        PatientCalendar.Format(PatientCalendar.LocalDate(Instant(instant), zone)).ShouldBe(day);
        PatientCalendar.LocalDate(Instant(instant), zone).ShouldBe(PatientCalendar.ParseDay(day));
    }

    [Theory]
    [InlineData("2026-01-01")]
    [InlineData("2024-02-29")]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    public void A_day_reads_as_DateOnly_reads_it(string day) =>
        PatientCalendar.ParseDay(day).ShouldBe(DateOnly.ParseExact(day, PatientCalendar.DateFormat, CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("2025-02-29")]
    [InlineData("2026-13-01")]
    [InlineData("2026-00-10")]
    [InlineData("0000-01-01")]
    [InlineData("2026-1-01x")]
    [InlineData("+026-01-01")]
    [InlineData("2026/01/01")]
    [InlineData("2026-01-01 ")]
    [InlineData("")]
    public void A_text_that_is_not_a_day_is_refused_as_DateOnly_refuses_it(string text) =>
        Should.Throw<FormatException>(() => PatientCalendar.ParseDay(text));

    [Theory]
    [InlineData("Pacific/Auckland", "2026-09-27", "2026-09-26T12:00:00Z", 23)] // summer time starts: 02:00 -> 03:00
    [InlineData("Pacific/Auckland", "2026-04-05", "2026-04-04T11:00:00Z", 25)] // summer time ends: 03:00 -> 02:00
    [InlineData("Pacific/Chatham", "2026-09-27", "2026-09-26T11:15:00Z", 23)]
    [InlineData("Pacific/Chatham", "2026-04-05", "2026-04-04T10:15:00Z", 25)]
    [InlineData("Pacific/Kiritimati", "2026-01-02", "2026-01-01T10:00:00Z", 24)]
    [InlineData("Pacific/Kiritimati", "1995-01-01", "1994-12-31T10:00:00Z", 24)] // the first day after the skipped one
    [InlineData("America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z", 23)] // midnight does not exist: the day starts at 01:00 -03
    [InlineData("America/Havana", "2026-11-01", "2026-11-01T04:00:00Z", 25)] // midnight happens twice: the day starts at the first
    [InlineData("Europe/Paris", "2026-03-29", "2026-03-28T23:00:00Z", 23)]
    public void A_local_day_starts_at_its_first_instant_and_lasts_as_long_as_the_zone_rules_say(string zone, string day, string start, int hours)
    {
        var date = PatientCalendar.ParseDay(day);
        PatientCalendar.StartOfDay(date, zone).ShouldBe(Instant(start));
        (PatientCalendar.StartOfDay(date.AddDays(1), zone) - PatientCalendar.StartOfDay(date, zone)).ShouldBe(TimeSpan.FromHours(hours));
        PatientCalendar.EndOfDay(date, zone).ShouldBe(PatientCalendar.StartOfDay(date.AddDays(1), zone).AddTicks(-1));
        PatientCalendar.LocalDate(PatientCalendar.StartOfDay(date, zone), zone).ShouldBe(date);
        PatientCalendar.LocalDate(PatientCalendar.EndOfDay(date, zone), zone).ShouldBe(date);
    }

    [Fact]
    public void Today_is_the_local_date_of_the_clock_in_the_patients_zone()
    {
        var clock = new FixedClock(Instant("2026-01-01T10:30:00Z"));
        PatientCalendar.Today("Pacific/Kiritimati", clock).ShouldBe(new DateOnly(2026, 1, 2));
        PatientCalendar.Today("Pacific/Pago_Pago", clock).ShouldBe(new DateOnly(2025, 12, 31)); // UTC-11
        PatientCalendar.Today("UTC", clock).ShouldBe(new DateOnly(2026, 1, 1));
    }

    [Fact]
    public void A_wall_clock_time_names_one_instant()
    {
        PatientCalendar.At(new DateOnly(2026, 7, 1), new TimeOnly(12, 0), "Pacific/Chatham").ShouldBe(Instant("2026-06-30T23:15:00Z"));
        PatientCalendar.At(new DateOnly(2026, 4, 5), new TimeOnly(2, 30), "Pacific/Auckland").ShouldBe(Instant("2026-04-04T13:30:00Z")); // the first 02:30 (NZDT)
    }

    [Fact]
    public void The_zone_in_effect_is_the_latest_change_recorded_before_the_instant()
    {
        List<ZonePeriod> zones = [new(DateTimeOffset.MinValue, "Europe/Paris"), new(Instant("2026-10-26T12:00:00Z"), "America/New_York")];
        PatientCalendar.ZoneAt(zones, Instant("2026-01-01T00:00:00Z")).ShouldBe("Europe/Paris");
        PatientCalendar.ZoneAt(zones, Instant("2026-10-26T11:59:00Z")).ShouldBe("Europe/Paris");
        PatientCalendar.ZoneAt(zones, Instant("2026-10-26T12:00:00Z")).ShouldBe("America/New_York");
        PatientCalendar.ZoneAt([], Instant("2026-10-26T12:00:00Z")).ShouldBe("UTC");
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
