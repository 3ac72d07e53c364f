using EventHealth.Detection;
using EventHealth.Email;
using EventHealth.Http;
using EventHealth.Recording;
using MailKit.Net.Smtp;
using Marten;
using Marten.Events;

namespace EventHealth.Alerts;

/// <summary>
/// Marks that an alert email's body started flowing to the SMTP server, keyed by its deterministic Message-ID. Found
/// by a later delivery of the same message, it means the attempt before was cut off by the process stopping (a live
/// process removes it when an attempt fails) while the server was receiving or accepting the message.
/// </summary>
public sealed record AlertEmailDelivery
{
    public required string Id { get; init; }
    public Guid PatientId { get; init; }
    public Guid AlertId { get; init; }
    public DateTimeOffset DataStartedAt { get; init; }
}

/// <summary>
/// Sends one alert email and records <see cref="AlertNotificationSent"/>: at least once while the server refuses or
/// fails before the message body (retried), at most once from the moment the body starts to flow (docs/reliability.md).
/// A redelivered message whose email is recorded sends nothing. The success is recorded as soon as the server accepts,
/// before QUIT. If the process is killed between the body starting and that record, the next delivery finds the
/// <see cref="AlertEmailDelivery"/> marker and records the outcome as unknown instead of sending a duplicate.
/// </summary>
public static class SendAlertEmailHandler
{
    public const string OutcomeUnknown = "outcome unknown: the sender stopped while the server was receiving the message; not resent, to avoid a duplicate";

    /// <summary>Longer than the longest wait RFC 5321 allows a server (10 minutes after the final "."), so Wolverine never abandons a send the server may still accept.</summary>
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) => chain.ExecutionTimeoutInSeconds = 12 * 60;

    public static async Task Handle(SendAlertEmail message, Sharding.TenantSessions sessions, RecordWriter writer, SmtpMailer mailer, TimeProvider clock, Wolverine.Envelope envelope,
        Microsoft.Extensions.Options.IOptions<AlertEmailSettings> settings, ILogger<SendAlertEmail> logger, CancellationToken cancellation)
    {
        await using var session = sessions.QueryFor(message.PatientId);
        // The record and its alerts in one round trip: a settled (or erased) one is answered without reading the stream.
        var batch = session.CreateBatchQuery();
        var patientRead = batch.Load<PatientRecord>(message.PatientId);
        var alertsRead = batch.Load<RecordAlerts>(message.PatientId);
        await batch.Execute(cancellation);
        var patient = await patientRead;
        if (patient is null or { Erased: true })
        {
            return; // erased since the alert: nobody is written to about it (docs/erasure.md)
        }

        if ((await alertsRead)?.Find(message.AlertId) is not { } state || state.OutcomeFor(message.Recipient) is not null)
        {
            return;
        }

        var alert = state.Alert;
        var factsThen = await EvidenceThenAsync(session, message.PatientId, alert, cancellation);

        var mime = AlertEmail.Compose(patient!, alert, factsThen, message.Recipient);
        var messageId = mime.MessageId ?? AlertEmail.MessageId(message.AlertId, message.Recipient);
        var context = new WriteContext(RaiseAlerts.Actor, "alert-mailer", envelope.CorrelationId ?? envelope.Id.ToString(), clock.GetUtcNow(), null);

        if (await session.LoadAsync<AlertEmailDelivery>(messageId, cancellation) is not null)
        {
            logger.LogWarning("Alert {AlertId} email: an earlier attempt stopped mid-transfer; recorded as unknown, not resent", message.AlertId);
            await RecordOutcomeAsync(writer, message, context, new AlertNotificationFailed(message.AlertId, message.Recipient, OutcomeUnknown, clock.GetUtcNow()));
            return;
        }

        var accepted = false;
        try
        {
            await mailer.SendAsync(mime, cancellation,
                dataStarting: () => MarkDataStarting(sessions, message, messageId, clock),
                // The email left: record it (retrying a lost race or a database blip, never the send itself).
                accepted: () =>
                {
                    accepted = true;
                    return RecordSentAsync(writer, message, context, messageId, clock, logger);
                });
        }
        catch (SmtpCommandException refused) when ((int)refused.StatusCode >= 500)
        {
            // The server will never accept it (unknown mailbox, policy): record it and stop.
            await ForgetAttemptAsync(sessions, message.PatientId, messageId);
            await RecordOutcomeAsync(writer, message, context, new AlertNotificationFailed(message.AlertId, message.Recipient, $"SMTP {(int)refused.StatusCode}: refused", clock.GetUtcNow()));
            return;
        }
        catch (Exception transient) when (envelope.Attempts > settings.Value.EffectiveRetryDelays.Count)
        {
            // Last attempt: the failure becomes part of the record before the message is dead-lettered.
            logger.LogError("Alert {AlertId} email gave up after {Attempts} attempts", message.AlertId, envelope.Attempts);
            await ForgetAttemptAsync(sessions, message.PatientId, messageId);
            await RecordOutcomeAsync(writer, message, context, new AlertNotificationFailed(message.AlertId, message.Recipient, transient.GetType().Name, clock.GetUtcNow()));
            throw;
        }
        catch (Exception) when (!accepted)
        {
            // This process saw the attempt fail without a 250 for the message (RFC 5321: not delivered): retry it.
            await ForgetAttemptAsync(sessions, message.PatientId, messageId);
            throw;
        }
    }

    /// <summary>Synchronous because MailKit reports progress synchronously; the body waits for this commit.</summary>
    private static void MarkDataStarting(Sharding.TenantSessions sessions, SendAlertEmail message, string messageId, TimeProvider clock)
    {
        Task.Run(async () =>
        {
            await using var session = sessions.WriteFor(message.PatientId);
            session.Store(new AlertEmailDelivery { Id = messageId, PatientId = message.PatientId, AlertId = message.AlertId, DataStartedAt = clock.GetUtcNow() });
            await session.SaveChangesAsync(CancellationToken.None);
        }).GetAwaiter().GetResult();
    }

    private static async Task ForgetAttemptAsync(Sharding.TenantSessions sessions, Guid patientId, string messageId)
    {
        await using var session = sessions.WriteFor(patientId);
        session.Delete<AlertEmailDelivery>(messageId);
        await session.SaveChangesAsync(CancellationToken.None);
    }

    private static async Task RecordSentAsync(RecordWriter writer, SendAlertEmail message, WriteContext context, string messageId, TimeProvider clock, ILogger logger)
    {
        // The message is delivered whatever happens next; keep trying to say so for a while (a database restart takes seconds).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await RecordOutcomeAsync(writer, message, context, new AlertNotificationSent(message.AlertId, message.Recipient, messageId, clock.GetUtcNow()));
                return;
            }
            catch (Exception e) when (attempt < 12 && Hosting.DatabaseUnavailable.Is(e))
            {
                logger.LogWarning("Alert {AlertId} email accepted; recording it waits for the database (attempt {Attempt})", message.AlertId, attempt);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt * 2)), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// The entries the email lists, as the rule saw them: the evidence entries' events and the time-zone changes up to
    /// the alert's version (their local days), not the whole stream: a long record's other entries stay in the database.
    /// </summary>
    private static async Task<RecordFacts> EvidenceThenAsync(IQuerySession session, Guid patientId, AlertRaised alert, CancellationToken cancellation)
    {
        var indexed = await session.LoadManyAsync<RecordedEntry>(cancellation, alert.Evidence.Select(id => RecordedEntry.IdFor(patientId, id)).ToArray());
        var versions = indexed.Select(e => e.Version).ToArray();
        var evidence = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == patientId && versions.Contains(e.Version))
            .ToListAsync(cancellation);
        var zones = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == patientId && e.Version <= alert.EvaluatedThroughVersion)
            .Where(e => e.EventTypesAre(typeof(PatientEnrolled), typeof(ContactDetailsChanged)))
            .ToListAsync(cancellation);
        return RecordFacts.From(patientId, zones.Concat(evidence).OrderBy(e => e.Version));
    }

    /// <summary>The outcome becomes part of the record through the write path every change takes.</summary>
    private static Task<RecordWritten> RecordOutcomeAsync(RecordWriter writer, SendAlertEmail message, WriteContext context, object outcome) =>
        RecordWrites.SendAsync(writer, message.PatientId, context, new RecordAlertOutcome(outcome));
}

/// <summary>An email's outcome (<see cref="AlertNotificationSent"/> or <see cref="AlertNotificationFailed"/>): a fact, not a decision.</summary>
public sealed record RecordAlertOutcome(object Outcome) : IRecordChange
{
    public RecordDecision Decide(RecordState state) => Append.Facts(Outcome);
}
