using EventHealth.Alerts;
using EventHealth.Http;
using EventHealth.Recording;
using JasperFx;
using Marten;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace EventHealth.Detection;

/// <summary>Decide a record as of <see cref="EvaluatedAt"/> and append the alerts that decision raises.</summary>
public sealed record RaiseAlerts(Guid PatientId, DateTimeOffset EvaluatedAt, string RunId);

/// <summary>The stream version after the decision (and its alerts, if any) and when time alone could change the answer.</summary>
public sealed record AlertsDecided(long Version, int Raised, DateTimeOffset? NextReviewAt);

public static class RaiseAlertsHandler
{
    public const string Actor = "system:detection";
    public const string Client = "detection-job";

    /// <summary>
    /// A record that moved between the read and the append (a new entry, a notification of an earlier alert, another
    /// run) is read and decided again at once: a due record is decided in the run that found it due.
    /// </summary>
    public static void Configure(HandlerChain chain) => chain.OnException<ConcurrencyException>().RetryTimes(5);

    /// <summary>
    /// Reads the record, decides it, and appends the alerts with the version it read as expected version. The alert
    /// events and their email messages commit in one transaction (Wolverine's Marten outbox): an alert is never
    /// stored without its emails queued, nor emailed without being stored; a concurrent run deciding the same record
    /// fails the version check here, is retried, and then finds the alerts already raised.
    /// </summary>
    public static async Task<(AlertsDecided, OutgoingMessages)> Handle(RaiseAlerts command, IDocumentSession session, TimeProvider clock,
        Microsoft.Extensions.Options.IOptions<AlertEmailSettings> settings, CancellationToken cancellation)
    {
        var emails = new OutgoingMessages();
        var events = await session.Events.FetchStreamAsync(command.PatientId, token: cancellation);
        var facts = RecordFacts.From(command.PatientId, events);
        var evaluation = DetectionDecisions.Evaluate(facts, command.EvaluatedAt);
        if (evaluation.Alerts.Count == 0)
        {
            return (new AlertsDecided(facts.Version, 0, evaluation.NextReviewAt), emails);
        }

        EventMetadata.Stamp(session, new WriteContext(Actor, Client, command.RunId, clock.GetUtcNow(), facts.Version));
        var stream = await session.Events.FetchForWriting<PatientRecord>(command.PatientId, facts.Version, cancellation);
        stream.AppendMany(evaluation.Alerts.ToArray<object>());

        // The daily cap is decided here, in the same transaction and under the same version check as the alerts,
        // so parallel senders cannot overrun it: emails beyond it are recorded as failed instead of queued.
        var appended = evaluation.Alerts.Count;
        var record = stream.Aggregate!;
        var today = PatientCalendar.Today(record.TimeZone, clock);
        var budget = settings.Value.DailyCapPerPatient - (record.AlertEmailsDay == today ? record.AlertEmailsThatDay : 0);
        foreach (var alert in evaluation.Alerts)
        {
            foreach (var recipient in record.AlertRecipients())
            {
                if (budget-- > 0)
                {
                    emails.Add(new SendAlertEmail(command.PatientId, alert.AlertId, recipient));
                }
                else
                {
                    appended++;
                    stream.AppendOne(new AlertNotificationFailed(alert.AlertId, recipient,
                        $"{AlertEmailSettings.CapReason} of {settings.Value.DailyCapPerPatient} alert emails reached", clock.GetUtcNow()));
                }
            }
        }

        return (new AlertsDecided(facts.Version + appended, evaluation.Alerts.Count, evaluation.NextReviewAt), emails);
    }
}
