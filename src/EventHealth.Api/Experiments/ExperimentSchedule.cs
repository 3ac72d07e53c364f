namespace EventHealth.Experiments;

/// <summary>
/// Turns a seed and a design into the day-by-day schedule. Pure and versioned: the same seed and design give the same
/// schedule on any machine and runtime (its own SplitMix64 generator, not System.Random, whose sequence .NET does not
/// promise to keep), so a stored plan can always be re-derived and checked.
/// </summary>
public static class ExperimentSchedule
{
    public const int Version = 1;

    /// <summary>Periods follow each other without gaps: pair 1 (two periods), pair 2, ... Within each pair the order of A and B is drawn.</summary>
    public static IReadOnlyList<ScheduledDay> Draw(int seed, DateOnly start, int periodDays, int pairs, int washoutDays)
    {
        var days = new List<ScheduledDay>(2 * pairs * periodDays);
        for (var pair = 1; pair <= pairs; pair++)
        {
            var aFirst = AFirst(seed, pair);
            for (var half = 0; half < 2; half++)
            {
                var period = (2 * (pair - 1)) + half + 1;
                var arm = (half == 0) == aFirst ? ExperimentArm.A : ExperimentArm.B;
                for (var day = 1; day <= periodDays; day++)
                {
                    days.Add(new ScheduledDay(start.AddDays(((period - 1) * periodDays) + day - 1), pair, period, arm, day, day <= washoutDays));
                }
            }
        }

        return days;
    }

    /// <summary>Whether pair <paramref name="pair"/> starts with A: the top bit of SplitMix64 over (seed, pair), a fair coin per pair.</summary>
    public static bool AFirst(int seed, int pair) => SplitMix64(((ulong)(uint)seed << 32) | (uint)pair) >> 63 == 0;

    private static ulong SplitMix64(ulong state)
    {
        var z = state + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
