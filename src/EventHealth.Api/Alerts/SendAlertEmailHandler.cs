using EventHealth.Detection;
using EventHealth.Email;
using EventHealth.Http;
using EventHealth.Recording;
using MailKit.Net.Smtp;
using Marten;

namespace EventHealth.Alerts;

public sealed record AlertEmailSettings
{
    public const string Section = "AlertEmails";

    public static readonly IReadOnlyList<TimeSpan> DefaultRetryDelays =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2),
    ];

    /// <summary>
    /// Configured waits between attempts while SMTP is unreachable; after the last, the message is dead-lettered.
    /// Empty by default because configuration binding appends to a pre-filled list instead of replacing it.
    /// </summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [];

    public IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0 ? RetryDelays : DefaultRetryDelays;

    public const string CapReason = "daily cap";

    /// <summary>At most this many alert emails leave for one patient's record per local day, all recipients together.</summary>
    public int DailyCapPerPatient { get; init; } = 10;
}

/// <summary>
/// Sends one alert email and records <see cref="AlertNotificationSent"/>. Before sending it checks the record for
/// an earlier success, so a redelivered message sends nothing; only a crash between the SMTP answer and the commit
/// could send twice, and the deterministic Message-ID lets mail systems and people see it is the same message.
/// </summary>
public static class SendAlertEmailHandler
{
    public static async Task Handle(SendAlertEmail message, IDocumentStore store, SmtpMailer mailer, TimeProvider clock, Wolverine.Envelope envelope,
        Microsoft.Extensions.Options.IOptions<AlertEmailSettings> settings, ILogger<SendAlertEmail> logger, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(message.PatientId, token: cancellation);
        var alertEvent = events.FirstOrDefault(e => e.Data is AlertRaised raised && raised.AlertId == message.AlertId);
        if (alertEvent is null || Settled(events, message))
        {
            return;
        }

        var alert = (AlertRaised)alertEvent.Data;
        var factsThen = RecordFacts.From(message.PatientId, events.TakeWhile(e => e.Version <= alert.EvaluatedThroughVersion));
        var patient = await session.LoadAsync<PatientRecord>(message.PatientId, cancellation);
        if (patient is null or { Erased: true })
        {
            return; // erased since the alert: nobody is written to about it (docs/erasure.md)
        }

        var mime = AlertEmail.Compose(patient!, alert, factsThen, message.Recipient);
        var context = new WriteContext(RaiseAlertsHandler.Actor, "alert-mailer", envelope.CorrelationId ?? envelope.Id.ToString(), clock.GetUtcNow(), null);


        try
        {
            await mailer.SendAsync(mime, cancellation);
        }
        catch (SmtpCommandException refused) when ((int)refused.StatusCode >= 500)
        {
            // The server will never accept it (unknown mailbox, policy): record it and stop.
            await EntryWrites.AppendAsync(store, message.PatientId, context,
                new AlertNotificationFailed(message.AlertId, message.Recipient, $"SMTP {(int)refused.StatusCode}: refused", clock.GetUtcNow()), cancellation);
            return;
        }
        catch (Exception transient) when (envelope.Attempts > settings.Value.EffectiveRetryDelays.Count)
        {
            // Last attempt: the failure becomes part of the record before the message is dead-lettered.
            logger.LogError("Alert {AlertId} email gave up after {Attempts} attempts", message.AlertId, envelope.Attempts);
            await EntryWrites.AppendAsync(store, message.PatientId, context,
                new AlertNotificationFailed(message.AlertId, message.Recipient, transient.GetType().Name, clock.GetUtcNow()), cancellation);
            throw;
        }

        // The email left: record it (retrying a lost race on the record, never the send itself).
        await EntryWrites.AppendAsync(store, message.PatientId, context,
            new AlertNotificationSent(message.AlertId, message.Recipient, mime.MessageId ?? AlertEmail.MessageId(message.AlertId, message.Recipient), clock.GetUtcNow()),
            cancellation);
    }

    private static bool Settled(IReadOnlyList<JasperFx.Events.IEvent> events, SendAlertEmail message) =>
        events.Any(e => e.Data switch
        {
            AlertNotificationSent sent => sent.AlertId == message.AlertId && string.Equals(sent.Recipient, message.Recipient, StringComparison.OrdinalIgnoreCase),
            AlertNotificationFailed failed => failed.AlertId == message.AlertId && string.Equals(failed.Recipient, message.Recipient, StringComparison.OrdinalIgnoreCase),
            _ => false,
        });
}
