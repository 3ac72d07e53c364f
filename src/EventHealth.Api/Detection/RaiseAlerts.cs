using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection;

/// <summary>The stream version after the decision (and its alerts, if any) and when time alone could change the answer.</summary>
public sealed record AlertsDecided(long Version, int Raised, DateTimeOffset? NextReviewAt);

/// <summary>
/// Decide a record as of <see cref="EvaluatedAt"/> and append the alerts that decision raises, through the write path
/// every change takes. The alert events and their email messages commit in one transaction (Wolverine's Marten
/// outbox): an alert is never stored without its emails queued, nor emailed without being stored. A record that moved
/// between the read and the append (a new entry, a notification of an earlier alert, another run) fails the version
/// check and is decided again at once, so a due record is decided in the run that found it due, and a concurrent run
/// then finds the alerts already raised.
/// </summary>
/// <param name="DailyEmailCap">Alert emails per record and local day (<see cref="AlertEmailSettings.DailyCapPerPatient"/>).</param>
public sealed record RaiseAlerts(DateTimeOffset EvaluatedAt, int DailyEmailCap) : IRecordChange
{
    public const string Actor = "system:detection";
    public const string Client = "detection-job";

    /// <summary>The rules read the record's facts: every event up to the version this attempt loaded.</summary>
    public bool ReadsEvents => true;

    public RecordDecision Decide(RecordState state)
    {
        var facts = RecordFacts.From(state.PatientId, state.Events);
        var evaluation = DetectionDecisions.Evaluate(facts, EvaluatedAt);
        if (evaluation.Alerts.Count == 0)
        {
            return new Append([], _ => Results.Empty, Outcome: new AlertsDecided(state.Version, 0, evaluation.NextReviewAt));
        }

        // The daily cap is decided here, in the same transaction and under the same version check as the alerts,
        // so parallel senders cannot overrun it: emails beyond it are recorded as failed instead of queued.
        var record = state.Existing;
        var events = new List<object>(evaluation.Alerts);
        var emails = new List<object>();
        var today = PatientCalendar.LocalDate(state.Now, record.TimeZone);
        var budget = DailyEmailCap - (record.AlertEmailsDay == today ? record.AlertEmailsThatDay : 0);
        foreach (var alert in evaluation.Alerts)
        {
            foreach (var recipient in record.AlertRecipients())
            {
                if (budget-- > 0)
                {
                    emails.Add(new SendAlertEmail(state.PatientId, alert.AlertId, recipient));
                }
                else
                {
                    events.Add(new AlertNotificationFailed(alert.AlertId, recipient,
                        $"{AlertEmailSettings.CapReason} of {DailyEmailCap} alert emails reached", state.Now));
                }
            }
        }

        return new Append(events, _ => Results.Empty, emails, new AlertsDecided(state.Version + events.Count, evaluation.Alerts.Count, evaluation.NextReviewAt));
    }
}
