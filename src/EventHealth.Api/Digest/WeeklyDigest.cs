using System.Globalization;
using System.Net;
using System.Text;
using EventHealth.Alerts;
using EventHealth.Daily;
using EventHealth.Insights;
using EventHealth.Recording;
using MimeKit;

namespace EventHealth.Digest;

public sealed record WeekFigures(DateOnly From, DateOnly To, int Episodes, double? MeanIntensity);

/// <summary>A patient's week next to the week before. Pure: built from the daily rows and the alerts.</summary>
public sealed record WeeklyDigest(
    Guid PatientId,
    WeekFigures ThisWeek,
    WeekFigures WeekBefore,
    IReadOnlyList<int> DailyEpisodes,
    IReadOnlyList<string> TopTriggers,
    IReadOnlyList<string> HelpfulInterventions,
    IReadOnlyList<AlertView> OpenAlerts)
{
    /// <summary>The line about an experiment planned or running (Experiments/ExperimentViews.DigestLine), if any.</summary>
    public string? ExperimentLine { get; init; }

    /// <summary>"This week" is the 7 local days ending yesterday; the week before, the 7 days before those.</summary>
    public static WeeklyDigest Build(Guid patientId, DateOnly today, IReadOnlyList<DailySummary> days, IReadOnlyList<AlertView> alerts)
    {
        var thisWeekEnd = today.AddDays(-1);
        var thisWeekStart = thisWeekEnd.AddDays(-6);
        var beforeStart = thisWeekStart.AddDays(-7);
        var byDate = days.ToDictionary(d => d.Date);
        var fortnight = Enumerable.Range(0, 14).Select(i => beforeStart.AddDays(i)).ToList();

        WeekFigures Week(DateOnly from)
        {
            var rows = Enumerable.Range(0, 7).Select(i => byDate.GetValueOrDefault(from.AddDays(i))).OfType<DailySummary>().ToList();
            var episodes = rows.Sum(r => r.Episodes);
            var intensitySum = rows.Where(r => r.MeanIntensity is not null).Sum(r => r.MeanIntensity!.Value * r.Episodes);
            return new WeekFigures(from, from.AddDays(6), episodes, episodes == 0 ? null : Math.Round(intensitySum / episodes, 1));
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
            fortnight.Select(d => byDate.GetValueOrDefault(d)?.Episodes ?? 0).ToList(),
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
            $"- Twitch episodes: {ThisWeek.Episodes} (week before: {WeekBefore.Episodes})",
            $"- Mean intensity: {Show(ThisWeek.MeanIntensity)} (week before: {Show(WeekBefore.MeanIntensity)})",
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

        html.Append(CultureInfo.InvariantCulture, $"<p><img src=\"cid:{chart.ContentId}\" alt=\"Daily twitch episodes, last 14 days (this week in blue)\" width=\"{DailyEpisodesChart.Width}\" height=\"{DailyEpisodesChart.Height}\"></p>");
        body.HtmlBody = html.ToString();

        var message = new MimeMessage { MessageId = MessageId, Subject = "Your EventHealth week", Body = body.ToMessageBody() };
        message.To.Add(MailboxAddress.Parse(patient.Email));
        return message;
    }

    private static string Show(double? value) => value is { } v ? v.ToString("0.0", CultureInfo.InvariantCulture) : "none";
}
