using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// detection.md's "twitching worsens" over the last 28 days: episodes in the latest 14 days ≥ 1.5 × the 14 days
/// before, with at least 6 in the latest 14; or mean intensity up by ≥ 2 points between the two halves, with at least
/// 3 episodes in each. Both worsening rules read it; each reading is one rule version, so an alert is always explained
/// by the reading that raised it. Each answers the episodes of both halves when worsening holds, null otherwise.
/// </summary>
public static class Worsening
{
    public const int HalfDays = 14;

    /// <summary>Version 2: at least this many tracked days of the earlier half before the halves are compared.</summary>
    public const int ObservedDaysNeeded = 7;

    public static List<Fact>? Holds(int version, RecordFacts facts, DateOnly today) => version switch
    {
        1 => ByRecordAge(facts, today),
        2 => ByObservedDays(facts, today),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "no such reading of worsening"),
    };

    /// <summary>
    /// Version 1, kept exactly as shipped so that its alerts replay as they were raised: compared only when the
    /// record's first counted entry is at least 27 days before today, with means compared in floating point.
    /// It missed real red flags (a record begun 26 days ago; a rise of exactly 2 between means in thirds).
    /// </summary>
    public static List<Fact>? ByRecordAge(RecordFacts facts, DateOnly today)
    {
        if (facts.FirstDay is not { } firstDay || firstDay > today.AddDays(-27))
        {
            return null;
        }

        var latest = Signals.Episodes(facts, today, HalfDays);
        var before = Signals.Episodes(facts, today.AddDays(-HalfDays), HalfDays);

        var moreOften = latest.Count >= 6 && latest.Count >= 1.5 * before.Count;
        var moreIntense = latest.Count >= 3 && before.Count >= 3
            && latest.Average(Intensity) - before.Average(Intensity) >= 2;

        return moreOften || moreIntense ? [.. before, .. latest] : null;
    }

    /// <summary>
    /// Version 2. Decided from what was observed rather than from the record's age, and in exact integer arithmetic.
    /// Frequency: compared only when at least <see cref="ObservedDaysNeeded"/> days of the earlier half were tracked
    /// (held any entry), as episodes per tracked day, so a new user does not "worsen" from days nobody recorded;
    /// when every day of both halves was tracked this is the article's count comparison. Intensity: the means of the
    /// episodes themselves, which already needs at least 3 episodes in each half.
    /// </summary>
    public static List<Fact>? ByObservedDays(RecordFacts facts, DateOnly today)
    {
        var earlierEnd = today.AddDays(-HalfDays);
        var latest = Signals.Episodes(facts, today, HalfDays);
        if (latest.Count < 3)
        {
            return null; // neither comparison can hold
        }

        var before = Signals.Episodes(facts, earlierEnd, HalfDays);

        // latest/latestDays ≥ 1.5 × before/earlierDays, multiplied out: 2 × latest × earlierDays ≥ 3 × before × latestDays.
        var moreOften = latest.Count >= 6
            && Signals.TrackedDays(facts, earlierEnd, HalfDays) is var earlierDays && earlierDays >= ObservedDaysNeeded
            && 2L * latest.Count * earlierDays >= 3L * before.Count * Signals.TrackedDays(facts, today, HalfDays);

        // sum(latest)/n(latest) − sum(before)/n(before) ≥ 2, multiplied out by both counts.
        var moreIntense = before.Count >= 3
            && (long)IntensitySum(latest) * before.Count - (long)IntensitySum(before) * latest.Count >= 2L * latest.Count * before.Count;

        return moreOften || moreIntense ? [.. before, .. latest] : null;
    }

    private static int Intensity(Fact episode) => ((TwitchEpisodeRecorded)episode.Entry).Intensity;

    private static int IntensitySum(List<Fact> episodes) => episodes.Sum(Intensity);
}
