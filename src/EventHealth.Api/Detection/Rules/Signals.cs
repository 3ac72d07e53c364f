using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>The small vocabulary the rules are written in. Pure.</summary>
public static class Signals
{
    public static List<Fact> Symptoms(RecordFacts facts, DateOnly today, int days, params ReadOnlySpan<SymptomKind> kinds)
    {
        var found = new List<Fact>();
        foreach (var fact in facts.Within<NeurologicalSymptomReported>(today, days))
        {
            if (kinds.Contains(((NeurologicalSymptomReported)fact.Entry).Kind))
            {
                found.Add(fact);
            }
        }

        return found;
    }

    public static List<Fact> Episodes(RecordFacts facts, DateOnly today, int days) => [.. facts.Within<TwitchEpisodeRecorded>(today, days)];

    public static int DistinctDays(IEnumerable<Fact> facts) => facts.Select(f => f.Day).Distinct().Count();

    /// <summary>How many of the latest <paramref name="days"/> (at most 64) local days hold at least one entry: the days the patient tracked.</summary>
    public static int TrackedDays(RecordFacts facts, DateOnly today, int days)
    {
        ulong tracked = 0;
        foreach (var fact in facts.Within(today, days))
        {
            tracked |= 1UL << (today.DayNumber - fact.Day.DayNumber);
        }

        return System.Numerics.BitOperations.PopCount(tracked);
    }

    public static IReadOnlyList<Guid> Evidence(params IEnumerable<Fact>[] groups) =>
        groups.SelectMany(g => g).OrderBy(f => f.Entry.OccurredAt).ThenBy(f => f.EntryId).Select(f => f.EntryId).Distinct().ToList();
}
