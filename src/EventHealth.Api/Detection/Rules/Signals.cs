using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>The small vocabulary the rules are written in. Pure.</summary>
public static class Signals
{
    public static List<Fact> Symptoms(RecordFacts facts, DateOnly today, int days, params SymptomKind[] kinds) =>
        facts.Within(today, days).Where(f => f.Entry is NeurologicalSymptomReported s && kinds.Contains(s.Kind)).ToList();

    public static List<Fact> Episodes(RecordFacts facts, DateOnly today, int days) =>
        facts.Within(today, days).Where(f => f.Entry is TwitchEpisodeRecorded).ToList();

    public static int DistinctDays(IEnumerable<Fact> facts) => facts.Select(f => f.Day).Distinct().Count();

    public static IReadOnlyList<Guid> Evidence(params IEnumerable<Fact>[] groups) =>
        groups.SelectMany(g => g).OrderBy(f => f.Entry.OccurredAt).ThenBy(f => f.EntryId).Select(f => f.EntryId).Distinct().ToList();

    /// <summary>
    /// detection.md's "twitching worsens" over the last 28 days: episodes in the latest 14 days ≥ 1.5 × the 14 days
    /// before, with at least 6 in the latest 14; or mean intensity up by ≥ 2 points between the two halves, with at
    /// least 3 episodes in each. Answers the episodes of both halves when it holds, null otherwise.
    /// </summary>
    public static List<Fact>? Worsening(RecordFacts facts, DateOnly today)
    {
        // The halves are compared only when the record covers both: for a record started less than 28 days ago,
        // "the 14 days before" hold nothing, and every new user would look like worsening.
        if (facts.Entries.Count == 0 || facts.Entries.Min(f => f.Day) > today.AddDays(-27))
        {
            return null;
        }

        var latest = Episodes(facts, today, 14);
        var before = Episodes(facts, today.AddDays(-14), 14);

        var moreOften = latest.Count >= 6 && latest.Count >= 1.5 * before.Count;
        var moreIntense = latest.Count >= 3 && before.Count >= 3
            && Intensity(latest) - Intensity(before) >= 2;

        return moreOften || moreIntense ? [.. before, .. latest] : null;
    }

    private static double Intensity(List<Fact> episodes) => episodes.Average(f => ((TwitchEpisodeRecorded)f.Entry).Intensity);
}
