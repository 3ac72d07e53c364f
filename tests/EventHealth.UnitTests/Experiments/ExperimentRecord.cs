using EventHealth.Detection;
using EventHealth.Experiments;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.Experiments;

/// <summary>A patient's stream with one experiment, built in memory: entries are placed on local days of the plan.</summary>
internal sealed class ExperimentRecord
{
    public readonly Guid PatientId = Guid.NewGuid();
    private readonly InMemoryStream stream;

    public ExperimentRecord(string timeZone = "UTC")
    {
        stream = new InMemoryStream(PatientId);
        stream.Add(new PatientEnrolled(PatientId, "Test", "t@example.org", timeZone, null, true));
    }

    public string TimeZone => ((PatientEnrolled)stream.Events[0].Data).TimeZone;

    public ExperimentPlanned Plan { get; private set; } = null!;

    public ExperimentStopped? Stop { get; private set; }

    public IReadOnlyList<IEvent> Events => stream.Events;

    public ExperimentRecord Planned(int pairs, int periodDays = 7, int washoutDays = 0, int seed = 42, DateOnly? start = null,
        ExperimentOutcome outcome = ExperimentOutcome.DailyEpisodes, InterventionKind? comparison = null)
    {
        var first = start ?? new DateOnly(2026, 4, 6);
        Plan = new ExperimentPlanned(Guid.NewGuid(), InterventionKind.MagnesiumSupplement, "300 mg", comparison, outcome, periodDays, pairs, washoutDays, first, seed,
            ExperimentSchedule.Version, ExperimentSchedule.Draw(seed, first, periodDays, pairs, washoutDays));
        stream.Add(Plan);
        return this;
    }

    public IEnumerable<ScheduledDay> Days(int pair, ExperimentArm arm) => Plan.Schedule.Where(d => d.Pair == pair && d.Arm == arm);

    /// <summary><paramref name="count"/> episodes at local noon of <paramref name="day"/> (or at the given local time).</summary>
    public List<Guid> Episodes(DateOnly day, int count, int intensity = 4, TimeOnly? at = null) =>
        Enumerable.Range(0, count).Select(_ => Entry(id => new TwitchEpisodeRecorded(id, Local(day, at ?? new TimeOnly(12, 0)), [BodyRegion.Calf], Side.Left, intensity, 20, false, false))).ToList();

    public Guid Cramp(DateOnly day) => Entry(id => new CrampRecorded(id, Local(day, new TimeOnly(13, 0)), BodyRegion.Calf, 5, 60, false, false));

    public Guid Magnesium(DateOnly day, TimeOnly? at = null) =>
        Entry(id => new InterventionApplied(id, Local(day, at ?? new TimeOnly(20, 0)), InterventionKind.MagnesiumSupplement, 300, null));

    public Guid Intervention(DateOnly day, InterventionKind kind) => Entry(id => new InterventionApplied(id, Local(day, new TimeOnly(20, 0)), kind, null, null));

    public Guid Intake(DateOnly day) => Entry(id => new IntakeLogged(id, Local(day, new TimeOnly(9, 0)), 500, null));

    public void Retract(Guid entryId) => stream.Add(new EntryRetracted(entryId, "mistake"));

    public ExperimentRecord Stopped(DateOnly on)
    {
        Stop = new ExperimentStopped(Plan.ExperimentId, "felt unwell", on);
        stream.Add(Stop);
        return this;
    }

    public RecordFacts Facts() => RecordFacts.From(PatientId, stream.Events);

    public ExperimentWorkings Conclude() => ExperimentAnalyzer.Conclude(Plan, Stop, Facts());

    /// <summary>The instant of a local wall-clock time in the patient's zone.</summary>
    public DateTimeOffset Local(DateOnly day, TimeOnly time) => PatientCalendar.At(day, time, TimeZone);

    private Guid Entry(Func<Guid, IPatientEntry> create) => stream.Entry(create);
}
