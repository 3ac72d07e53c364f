using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// detection.md's "twitching worsens": the latest 14 local days against the 14 before them, more episodes (per
/// observed day) or stronger ones. Both worsening rules read it; each reading is one rule version, so an alert is
/// always explained by the reading that raised it. Each answers the episodes of both halves when worsening holds,
/// null otherwise.
/// </summary>
public static class Worsening
{
    public const int HalfDays = 14;

    /// <summary>Versions 2 and 3: at least this many observed days of the earlier half before episode rates are compared.</summary>
    public const int ObservedDaysNeeded = 7;

    /// <summary>The frequency comparison needs at least this many episodes in the latest half.</summary>
    public const int LatestEpisodesNeeded = 6;

    public static List<Fact>? Holds(int version, RecordFacts facts, DateOnly today) => version switch
    {
        1 => ByRecordAge(facts, today),
        2 => ByTrackedDays(facts, today),
        3 => SinceObservationStart(facts, today),
        _ => throw new ArgumentOutOfRangeException(nameof(version), version, "no such reading of worsening"),
    };

    /// <summary>
    /// Version 1, kept exactly as shipped so that its alerts replay as they were raised: compared only when the
    /// record's first counted entry is at least 27 days before today, with means compared in floating point.
    /// It missed real red flags (a record begun 26 days ago; a rise of exactly 2 between means in thirds).
    /// </summary>
    public static List<Fact>? ByRecordAge(RecordFacts facts, DateOnly today)
    {
        if (facts.ObservationStart is not { } firstDay || firstDay > today.AddDays(-27))
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
    /// Version 3 (live). A diary records what happened, so from <see cref="RecordFacts.ObservationStart"/> on a day
    /// without an episode is a day without twitching. Frequency: compared when at least <see cref="ObservedDaysNeeded"/>
    /// days of the earlier half lie on or after the observation start, as episodes per observed day, with at least
    /// <see cref="LatestEpisodesNeeded"/> episodes in the latest half; a record begun 28 days ago or more compares plain
    /// counts. Intensity as in version 2. A record begun inside the latest half is not compared (no earlier episodes).
    /// </summary>
    public static List<Fact>? SinceObservationStart(RecordFacts facts, DateOnly today)
    {
        var earlierEnd = today.AddDays(-HalfDays);
        var latest = Signals.Episodes(facts, today, HalfDays);
        if (latest.Count < 3)
        {
            return null; // neither comparison can hold
        }

        var before = Signals.Episodes(facts, earlierEnd, HalfDays);
        var observedEarlier = facts.ObservedDays(earlierEnd, HalfDays);

        // latest/observedLatest ≥ 1.5 × before/observedEarlier, multiplied out.
        var moreOften = latest.Count >= LatestEpisodesNeeded
            && observedEarlier >= ObservedDaysNeeded
            && 2L * latest.Count * observedEarlier >= 3L * before.Count * facts.ObservedDays(today, HalfDays);

        return moreOften || MoreIntense(latest, before) ? [.. before, .. latest] : null;
    }

    /// <summary>
    /// Version 2 (retired): frequency compared when at least <see cref="ObservedDaysNeeded"/> days of the earlier half
    /// held an entry, as episodes per day holding an entry. For a diary that records only the days with twitching that
    /// ratio is about 1 in both halves whatever happens, so it missed real worsening (issue 18); kept as shipped to
    /// explain and email the alerts it raised.
    /// </summary>
    public static List<Fact>? ByTrackedDays(RecordFacts facts, DateOnly today)
    {
        var earlierEnd = today.AddDays(-HalfDays);
        var latest = Signals.Episodes(facts, today, HalfDays);
        if (latest.Count < 3)
        {
            return null; // neither comparison can hold
        }

        var before = Signals.Episodes(facts, earlierEnd, HalfDays);

        // latest/latestDays ≥ 1.5 × before/earlierDays, multiplied out: 2 × latest × earlierDays ≥ 3 × before × latestDays.
        var moreOften = latest.Count >= LatestEpisodesNeeded
            && Signals.TrackedDays(facts, earlierEnd, HalfDays) is var earlierDays && earlierDays >= ObservedDaysNeeded
            && 2L * latest.Count * earlierDays >= 3L * before.Count * Signals.TrackedDays(facts, today, HalfDays);

        return moreOften || MoreIntense(latest, before) ? [.. before, .. latest] : null;
    }

    /// <summary>Mean intensity up by at least 2 points, at least 3 episodes in each half (versions 2 and 3), exactly:
    /// sum(latest)/n(latest) − sum(before)/n(before) ≥ 2, multiplied out by both counts.</summary>
    private static bool MoreIntense(List<Fact> latest, List<Fact> before) =>
        latest.Count >= 3 && before.Count >= 3
        && (long)IntensitySum(latest) * before.Count - (long)IntensitySum(before) * latest.Count >= 2L * latest.Count * before.Count;

    private static int Intensity(Fact episode) => ((TwitchEpisodeRecorded)episode.Entry).Intensity;

    private static int IntensitySum(List<Fact> episodes) => episodes.Sum(Intensity);
}
