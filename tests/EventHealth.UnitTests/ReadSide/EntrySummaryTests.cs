using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.UnitTests.ReadSide;

/// <summary>
/// Every shape of the one-line summary an entry document stores: a change in any of them would make every stored document
/// differ from its rebuild. The lines were pinned on the implementation before the summary was written into one buffer
/// (issue 23's twenty-third pass), which gave the same lines.
/// </summary>
public sealed class EntrySummaryTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    public static TheoryData<IPatientEntry, string> Entries() => new()
    {
        { new TwitchEpisodeRecorded(Guid.Empty, At, [BodyRegion.Calf], Side.Left, 4, 30, false, false), "Twitching in calf (left), intensity 4/10, 30 s" },
        { new TwitchEpisodeRecorded(Guid.Empty, At, [BodyRegion.Eyelid, BodyRegion.Face], Side.Both, 7, 3600, true, true), "Twitching in eyelid and face (both), intensity 7/10, 1 h, visible, painful" },
        { new TwitchEpisodeRecorded(Guid.Empty, At, [BodyRegion.UpperArm, BodyRegion.Forearm, BodyRegion.Hand], Side.Right, 0, 3630, false, true), "Twitching in upper arm, forearm and hand (right), intensity 0/10, 1 h 0 min, painful" },
        { new CrampRecorded(Guid.Empty, At, BodyRegion.Calf, 8, 90, true, true), "Cramp in calf, severity 8/10, 1 min 30 s, sudden, disrupted daily activities" },
        { new CrampRecorded(Guid.Empty, At, BodyRegion.Foot, 2, 120, false, false), "Cramp in foot, severity 2/10, 2 min" },
        { new TriggerReported(Guid.Empty, At, TriggerKind.PoorSleep, null, "  "), "Trigger: poor sleep" },
        { new TriggerReported(Guid.Empty, At, TriggerKind.Stress, 7, "deadline, then a late train"), "Trigger: stress, level 7/10, deadline, then a late train" },
        { new SleepLogged(Guid.Empty, At, new DateOnly(2026, 3, 28), 7.25, 4, 2), "Sleep, night of 2026-03-28: 7.25 h, quality 4/5, 2 awakenings" },
        { new SleepLogged(Guid.Empty, At, new DateOnly(2026, 12, 31), 8, 1, 0), "Sleep, night of 2026-12-31: 8 h, quality 1/5, 0 awakenings" },
        { new IntakeLogged(Guid.Empty, At, 500, 80), "Intake: 500 ml water, 80 mg caffeine" },
        { new IntakeLogged(Guid.Empty, At, 1250, null), "Intake: 1250 ml water" },
        { new IntakeLogged(Guid.Empty, At, null, 95), "Intake: 95 mg caffeine" },
        { new IntakeLogged(Guid.Empty, At, null, null), "Intake: " },
        { new InterventionApplied(Guid.Empty, At, InterventionKind.MagnesiumSupplement, 300, "with dinner"), "Intervention: magnesium supplement, 300 mg, with dinner" },
        { new InterventionApplied(Guid.Empty, At, InterventionKind.Yoga, null, null), "Intervention: yoga" },
        { new NeurologicalSymptomReported(Guid.Empty, At, SymptomKind.MuscleWeakness, BodyRegion.Thigh, 6), "Symptom: muscle weakness in thigh, severity 6/10" },
        { new NeurologicalSymptomReported(Guid.Empty, At, SymptomKind.SpeechDifficulty, null, 3), "Symptom: speech difficulty, severity 3/10" },
    };

    [Theory]
    [MemberData(nameof(Entries))]
    public void Each_entry_reads_as_one_line(IPatientEntry entry, string line) => EntrySummaries.Describe(entry).ShouldBe(line);

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(59, "59 s")]
    [InlineData(60, "1 min")]
    [InlineData(3599, "59 min 59 s")]
    [InlineData(3600, "1 h")]
    [InlineData(3630, "1 h 0 min")]
    [InlineData(7260, "2 h 1 min")]
    public void Durations_at_each_unit_boundary(int seconds, string text) => EntrySummaries.Duration(seconds).ShouldBe(text);
}
