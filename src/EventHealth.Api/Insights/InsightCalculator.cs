using EventHealth.Daily;
using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.Insights;

/// <param name="MeanEpisodesWith">Mean episodes per tracked day on which the trigger was reported; null without such days.</param>
/// <param name="Conclusion">"not enough data" when either side has fewer than 3 days; otherwise a plain sentence.</param>
public sealed record TriggerAssociation(
    string Kind,
    int DaysWith,
    int DaysWithout,
    double? MeanEpisodesWith,
    double? MeanEpisodesWithout,
    bool EnoughData,
    string Conclusion);

/// <param name="Applications">Days on which the intervention was applied.</param>
/// <param name="DaysBefore">Tracked days counted in the 3 days before each application (a day counts once per application).</param>
public sealed record InterventionEffect(
    string Kind,
    int Applications,
    int DaysBefore,
    int DaysAfter,
    int EpisodesBefore,
    int EpisodesAfter,
    double? EpisodeRateBefore,
    double? EpisodeRateAfter,
    bool EnoughData,
    string Conclusion);

/// <summary>
/// Associations in a patient's own days (docs/insights.md). Pure: daily rows in, figures out. Only tracked days
/// (days holding at least one entry) count, so days the patient did not use the app are not read as calm days.
/// </summary>
public static class InsightCalculator
{
    public const int MinimumDays = 3;
    public const int WindowDays = 3;
    public const string NotEnoughData = "not enough data";

    public static IReadOnlyList<TriggerAssociation> TriggerAssociations(IReadOnlyList<DailySummary> trackedDays) =>
        Enum.GetValues<TriggerKind>().Select(k => JsonSetup.Spelling(k)).Select(kind =>
        {
            var with = trackedDays.Where(d => d.Triggers.Contains(kind)).ToList();
            var without = trackedDays.Where(d => !d.Triggers.Contains(kind)).ToList();
            double? meanWith = with.Count == 0 ? null : Math.Round(with.Average(d => d.Episodes), 2);
            double? meanWithout = without.Count == 0 ? null : Math.Round(without.Average(d => d.Episodes), 2);
            var enough = with.Count >= MinimumDays && without.Count >= MinimumDays;
            return new TriggerAssociation(kind, with.Count, without.Count, meanWith, meanWithout, enough,
                enough ? Compare("on days with", "on days without", meanWith!.Value, meanWithout!.Value, kind) : NotEnoughData);
        }).ToList();

    public static IReadOnlyList<InterventionEffect> InterventionEffects(IReadOnlyList<DailySummary> trackedDays)
    {
        var episodesOn = trackedDays.ToDictionary(d => d.Date, d => d.Episodes);
        return Enum.GetValues<InterventionKind>().Select(k => JsonSetup.Spelling(k)).Select(kind =>
        {
            var applications = trackedDays.Where(d => d.Interventions.Contains(kind)).Select(d => d.Date).ToList();
            var before = applications.SelectMany(d => Window(d, -WindowDays, -1)).Where(episodesOn.ContainsKey).ToList();
            var after = applications.SelectMany(d => Window(d, 1, WindowDays)).Where(episodesOn.ContainsKey).ToList();
            var episodesBefore = before.Sum(d => episodesOn[d]);
            var episodesAfter = after.Sum(d => episodesOn[d]);
            double? rateBefore = before.Count == 0 ? null : Math.Round((double)episodesBefore / before.Count, 2);
            double? rateAfter = after.Count == 0 ? null : Math.Round((double)episodesAfter / after.Count, 2);
            var enough = before.Count >= MinimumDays && after.Count >= MinimumDays;
            return new InterventionEffect(kind, applications.Count, before.Count, after.Count, episodesBefore, episodesAfter,
                rateBefore, rateAfter, enough,
                enough ? Compare("after", "before", rateAfter!.Value, rateBefore!.Value, kind) : NotEnoughData);
        }).ToList();
    }

    private static IEnumerable<DateOnly> Window(DateOnly day, int firstOffset, int lastOffset) =>
        Enumerable.Range(firstOffset, lastOffset - firstOffset + 1).Select(day.AddDays);

    private static string Compare(string sideA, string sideB, double a, double b, string kind)
    {
        var words = kind.Replace('-', ' ');
        return a == b
            ? $"{words}: the same episode rate {sideA} and {sideB} ({a:0.##} per day)"
            : $"{words}: {(a > b ? "more" : "fewer")} episodes {sideA} ({a:0.##} per day) than {sideB} ({b:0.##} per day)";
    }
}
