using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.Detection;

/// <summary>Builds a patient's stream in memory, day by day, as the rules will read it. "Today" is 2026-03-31 in UTC.</summary>
internal sealed class RecordBuilder
{
    public static readonly DateTimeOffset Now = new(2026, 3, 31, 18, 0, 0, TimeSpan.Zero);
    public readonly Guid PatientId = Guid.NewGuid();
    private readonly InMemoryStream stream;
    private DateTimeOffset recordedAt;

    public RecordBuilder(string timeZone = "UTC")
    {
        stream = new InMemoryStream(PatientId);
        Add(new PatientEnrolled(PatientId, "Test", "t@example.org", timeZone, null, true));
    }

    /// <summary>Noon, <paramref name="daysAgo"/> local days before today.</summary>
    public static DateTimeOffset DaysAgo(int daysAgo, int hour = 12) =>
        new DateTimeOffset(Now.Year, Now.Month, Now.Day, hour, 0, 0, TimeSpan.Zero).AddDays(-daysAgo);

    public Guid Episode(int daysAgo, int intensity = 3) =>
        Entry(id => new TwitchEpisodeRecorded(id, DaysAgo(daysAgo), [BodyRegion.Calf], Side.Left, intensity, 20, false, false));

    public Guid Symptom(int daysAgo, SymptomKind kind, int severity = 5) =>
        Entry(id => new NeurologicalSymptomReported(id, DaysAgo(daysAgo), kind, null, severity));

    public Guid Cramp(int daysAgo, int severity, bool sudden = true, bool disrupted = true) =>
        Entry(id => new CrampRecorded(id, DaysAgo(daysAgo), BodyRegion.Calf, severity, 60, sudden, disrupted));

    public Guid Trigger(int daysAgo, TriggerKind kind) => Entry(id => new TriggerReported(id, DaysAgo(daysAgo), kind, 6, null));

    public Guid Intake(int daysAgo, int waterMl = 1500) => Entry(id => new IntakeLogged(id, DaysAgo(daysAgo, hour: 20), waterMl, null));

    /// <summary>An intake entry on every day from <paramref name="fromDaysAgo"/> to today: days the patient observed.</summary>
    public void TrackEveryDay(int fromDaysAgo, int toDaysAgo = 0)
    {
        for (var day = fromDaysAgo; day >= toDaysAgo; day--)
        {
            Intake(day);
        }
    }

    public Guid Note(int daysAgo, string clinicianId = "dr-lee") => Entry(id => new ClinicianNoteAdded(id, DaysAgo(daysAgo), clinicianId, "Reviewed."));

    public void Retract(Guid entryId) => Add(new EntryRetracted(entryId, "mistake"));

    public void Raised(AlertRaised alert) => Add(alert);

    public RecordFacts Facts() => RecordFacts.From(PatientId, stream.Events);

    public IReadOnlyList<IEvent> Events => stream.Events;

    /// <summary>Events added from now on are recorded (stored) at this moment, for replays of the record as it stood.</summary>
    public RecordBuilder RecordingAt(DateTimeOffset at)
    {
        recordedAt = at;
        return this;
    }

    public long Version => stream.Events.Count;

    private Guid Entry(Func<Guid, IPatientEntry> create) => stream.Entry(create, recordedAt);

    private void Add(object data) => stream.Add(data, recordedAt);
}
