using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EventHealth.Detection;
using EventHealth.Recording;
using EventHealth.Timeline;
using MimeKit;

namespace EventHealth.Alerts;

/// <summary>Writes an alert email in plain words. Pure: the same alert and record always give the same message.</summary>
public static class AlertEmail
{
    public const string MessageIdDomain = "eventhealth.local";

    /// <summary>Deterministic per alert and recipient, so a resent copy is recognisable as the same message.</summary>
    public static string MessageId(Guid alertId, string recipient) =>
        $"alert.{alertId:N}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipient.ToUpperInvariant())))[..16]}@{MessageIdDomain}";

    public static MimeMessage Compose(PatientRecord patient, AlertRaised alert, RecordFacts factsThen, string recipient)
    {
        var rule = DetectionRules.Find(alert.RuleId, alert.RuleVersion);
        var forPatient = string.Equals(recipient, patient.Email, StringComparison.OrdinalIgnoreCase) && patient.AlertEmails;
        var urgent = alert.Severity == AlertSeverity.Urgent;
        var evidence = factsThen.Entries.Where(f => alert.Evidence.Contains(f.EntryId)).ToList();

        var text = new StringBuilder();
        text.AppendLine(forPatient ? $"Hello {patient.DisplayName}," : "Hello,");
        text.AppendLine();
        text.AppendLine(forPatient
            ? "EventHealth noticed a pattern in your record that the article on muscle twitching in fibromyalgia lists as a reason to seek medical attention."
            : $"You are the clinician contact of {patient.DisplayName}. EventHealth noticed a pattern in their record that the article on muscle twitching in fibromyalgia lists as a reason to seek medical attention.");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"What we noticed: {rule?.PlainWordsFor(evidence, alert.Severity) ?? alert.RuleId}");
        text.AppendLine(CultureInfo.InvariantCulture, $"The article says: \"{alert.Criterion}\"");
        text.AppendLine((urgent, forPatient) switch
        {
            (true, true) => "How soon: urgent. Please contact a doctor soon about this.",
            (false, true) => "How soon: advisory. Worth mentioning at your next medical appointment.",
            // The clinician is the doctor: the copy asks for their review, not for them to see one.
            (true, false) => "How soon: urgent. The article advises medical attention soon; please review this with your patient.",
            (false, false) => "How soon: advisory. Worth discussing at your patient's next appointment.",
        });
        text.AppendLine();
        text.AppendLine("The entries behind this alert:");
        foreach (var fact in evidence)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- {fact.Day:yyyy-MM-dd}: {EntrySummaries.Describe(fact.Entry)}");
        }

        text.AppendLine();
        if (forPatient)
        {
            text.AppendLine("This is not a diagnosis. EventHealth compares entries with a published list of warning signs; only a doctor can tell what they mean.");
            text.AppendLine("If you feel very unwell, or have sudden trouble speaking, swallowing or breathing, call your local emergency number.");
        }
        else
        {
            text.AppendLine("This is not a diagnosis. EventHealth compares the patient's own entries with a published list of warning signs; it has examined no one.");
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Reference: alert {alert.AlertId}, rule {alert.RuleId} version {alert.RuleVersion}, record version {alert.EvaluatedThroughVersion}, detected {alert.DetectedAt:yyyy-MM-dd HH:mm} UTC.");

        var message = new MimeMessage
        {
            MessageId = MessageId(alert.AlertId, recipient),
            Subject = $"EventHealth {(urgent ? "urgent alert" : "advisory")}: {Headline(alert.RuleId)}",
            Body = new TextPart("plain") { Text = text.ToString() },
        };
        message.To.Add(MailboxAddress.Parse(recipient));
        message.Headers.Add("X-EventHealth-Alert", alert.AlertId.ToString());
        return message;
    }

    private static string Headline(string ruleId) => ruleId switch
    {
        "weakness-or-atrophy" => "muscle weakness with twitching",
        "worsening-affecting-mobility" => "worsening twitching with difficulty walking",
        "coordination-or-balance" => "coordination or balance problems",
        "sudden-severe-cramps" => "sudden severe cramps",
        "neurological-symptoms" => "neurological symptoms",
        "worsening-trend" => "twitching is getting worse",
        "twitching-with-warning-signs" => "twitching with weakness, a severe cramp or difficulty walking",
        _ => ruleId,
    };
}
