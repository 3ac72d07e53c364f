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
}
