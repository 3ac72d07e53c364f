using System.Globalization;
using System.Net;
using System.Text;
using EventHealth.Alerts;
using EventHealth.Daily;
using EventHealth.Insights;
using EventHealth.Recording;
using MimeKit;

namespace EventHealth.Digest;

/// <param name="ObservedDays">Days of the week on or after the record's observation start: 0 for a week before the
/// record began, whose figures say nothing (shown as "no entries yet", not as a week without twitching).</param>
public sealed record WeekFigures(DateOnly From, DateOnly To, int ObservedDays, int Episodes, double? MeanIntensity)
{
    public const int Days = 7;

    public string EpisodesText => ObservedDays switch
    {
        0 => NoEntriesYet,
        Days => Episodes.ToString(CultureInfo.InvariantCulture),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Episodes} in the {ObservedDays} days since the first entry"),
    };

    public string MeanIntensityText => ObservedDays == 0 ? NoEntriesYet
        : MeanIntensity is { } mean ? mean.ToString("0.0", CultureInfo.InvariantCulture) : "none";

    private const string NoEntriesYet = "no entries yet";
}

/// <summary>A patient's week next to the week before. Pure: built from the daily rows and the alerts.</summary>
public sealed record WeeklyDigest(
    Guid PatientId,
    WeekFigures ThisWeek,
    WeekFigures WeekBefore,
    IReadOnlyList<int?> DailyEpisodes,
    IReadOnlyList<string> TopTriggers,
    IReadOnlyList<string> HelpfulInterventions,
    IReadOnlyList<AlertView> OpenAlerts)
{
    /// <summary>The line about an experiment planned or running (Experiments/ExperimentViews.DigestLine), if any.</summary>
    public string? ExperimentLine { get; init; }

    /// <summary>The days a digest compares: the week before today and the week before that.</summary>
    public const int DaysCompared = 2 * WeekFigures.Days;

    /// <summary>
    /// "This week" is the 7 local days ending yesterday; the week before, the 7 days before those. Days before
    /// <paramref name="observationStart"/> (<see cref="Detection.RecordFacts.ObservationStart"/>) were not observed:
    /// they count in neither week and have no bar (null) in <see cref="DailyEpisodes"/>; after it, a day without a row
    /// is a day without episodes.
    /// </summary>
    public static WeeklyDigest Build(Guid patientId, DateOnly today, IReadOnlyList<DailySummary> days, IReadOnlyList<AlertView> alerts, DateOnly? observationStart)
    {
        bool Observed(DateOnly day) => observationStart is { } start && day >= start;

        var thisWeekEnd = today.AddDays(-1);
        var thisWeekStart = thisWeekEnd.AddDays(-6);
        var beforeStart = thisWeekStart.AddDays(-7);
        var byDate = days.ToDictionary(d => d.Date);
        var fortnight = Enumerable.Range(0, DaysCompared).Select(i => beforeStart.AddDays(i)).ToList();

        WeekFigures Week(DateOnly from)
        {
            var rows = Enumerable.Range(0, 7).Select(i => byDate.GetValueOrDefault(from.AddDays(i))).OfType<DailySummary>().ToList();
            var episodes = rows.Sum(r => r.Episodes);
            var intensitySum = rows.Where(r => r.MeanIntensity is not null).Sum(r => r.MeanIntensity!.Value * r.Episodes);
            var observed = Enumerable.Range(0, WeekFigures.Days).Count(i => Observed(from.AddDays(i)));
            return new WeekFigures(from, from.AddDays(6), observed, episodes, episodes == 0 ? null : Math.Round(intensitySum / episodes, 1));
        }

        // Only what the insights method supports: a trigger or intervention without enough days on both sides is not named.
        var tracked = fortnight.Select(d => byDate.GetValueOrDefault(d)).OfType<DailySummary>().ToList();
        var triggers = InsightCalculator.TriggerAssociations(tracked)
            .Where(t => t.EnoughData && t.MeanEpisodesWith > t.MeanEpisodesWithout)
            .OrderByDescending(t => t.MeanEpisodesWith - t.MeanEpisodesWithout)
            .Take(3).Select(t => t.Kind.Replace('-', ' ')).ToList();
        var interventions = InsightCalculator.InterventionEffects(tracked)
            .Where(i => i.EnoughData && i.EpisodeRateAfter < i.EpisodeRateBefore)
            .Select(i => i.Kind.Replace('-', ' ')).ToList();

        return new WeeklyDigest(patientId, Week(thisWeekStart), Week(beforeStart),
            fortnight.Select(d => Observed(d) ? byDate.GetValueOrDefault(d)?.Episodes ?? 0 : (int?)null).ToList(),
            triggers, interventions, alerts.Where(a => a.Acknowledgement is null).ToList());
    }

    public string MessageId => $"digest.{PatientId:N}.{ThisWeek.To:yyyyMMdd}@{AlertEmail.MessageIdDomain}";

    public MimeMessage Compose(PatientRecord patient)
    {
        List<string> lines =
        [
            $"Hello {patient.DisplayName},",
            "",
            $"Your week ({ThisWeek.From:d MMM} to {ThisWeek.To:d MMM}) next to the week before:",
            $"- Twitch episodes: {ThisWeek.EpisodesText} (week before: {WeekBefore.EpisodesText})",
            $"- Mean intensity: {ThisWeek.MeanIntensityText} (week before: {WeekBefore.MeanIntensityText})",
            TopTriggers.Count > 0 ? $"- Days with more twitching came with: {string.Join(", ", TopTriggers)}" : "- No trigger stood out on twitching days.",
            HelpfulInterventions.Count > 0 ? $"- Followed by fewer episodes: {string.Join(", ", HelpfulInterventions)}" : "- No intervention was clearly followed by fewer episodes.",
            .. ExperimentLine is { } experiment ? [experiment] : Array.Empty<string>(),
            OpenAlerts.Count > 0 ? $"- Open alerts: {string.Join("; ", OpenAlerts.Select(a => $"{a.RuleId} ({a.Severity}, {a.DetectedAt:yyyy-MM-dd})"))}" : "- No open alerts.",
            "",
            "These are patterns in your own entries, not a diagnosis.",
        ];
        var text = string.Join("\n", lines.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l}")));

        var body = new BodyBuilder { TextBody = text };
        var chart = body.LinkedResources.Add("daily-episodes.png", DailyEpisodesChart.Draw(WeekBefore.From, DailyEpisodes, highlightFrom: 7), new ContentType("image", "png"));
        chart.ContentId = $"chart.{PatientId:N}@{AlertEmail.MessageIdDomain}";
        var html = new StringBuilder();
        foreach (var line in lines)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>{WebUtility.HtmlEncode(line)}</p>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<p><img src=\"cid:{chart.ContentId}\" alt=\"Daily twitch episodes, last 14 days (this week in blue; no bar before the first entry)\" width=\"{DailyEpisodesChart.Width}\" height=\"{DailyEpisodesChart.Height}\"></p>");
        body.HtmlBody = html.ToString();

        var message = new MimeMessage { MessageId = MessageId, Subject = "Your EventHealth week", Body = body.ToMessageBody() };
        message.To.Add(MailboxAddress.Parse(patient.Email));
        return message;
    }
}
