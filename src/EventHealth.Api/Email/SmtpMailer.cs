using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EventHealth.Email;

/// <summary>
/// Sends one MIME message through the configured SMTP server. Retries belong to the caller (Wolverine). Every attempt
/// is one span, one metric point and one log line naming the kind, the Message-ID and the outcome; never the recipient,
/// the subject or the body.
/// </summary>
public sealed partial class SmtpMailer(IOptions<SmtpSettings> options, ILogger<SmtpMailer> logger)
{
    private readonly SmtpSettings settings = options.Value;

    public MailboxAddress Sender => MailboxAddress.Parse(settings.Sender);

    public SmtpSettings Settings => settings;

    /// <param name="dataStarting">Runs (synchronously) as the message body starts to flow, after the server agreed to DATA
    /// and before it can accept the message: the last moment at which the caller knows the message was not delivered.</param>
    /// <param name="accepted">Runs once the server accepted the message, before QUIT, so a slow or failing QUIT can
    /// neither delay recording the delivery nor turn it into a failure.</param>
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken, Action? dataStarting = null, Func<Task>? accepted = null)
    {
        if (message.From.Count == 0)
        {
            message.From.Add(Sender);
        }

        var kind = KindOf(message.MessageId);
        using var activity = Hosting.EventHealthTelemetry.Source.StartActivity($"email {kind}", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("email.kind", kind);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await DeliverAsync(message, dataStarting, accepted, cancellationToken);
        }
        catch (Exception failure)
        {
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            Hosting.EventHealthTelemetry.EmailFinished(kind, sent: false, elapsed);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.GetType().Name);
            // The exception's text can echo addresses: the type and SMTP status say enough.
            Failed(logger, kind, message.MessageId, failure.GetType().Name, (failure as SmtpCommandException)?.StatusCode.ToString() ?? "-", Math.Round(elapsed.TotalMilliseconds, 1));
            throw;
        }

        var took = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Hosting.EventHealthTelemetry.EmailFinished(kind, sent: true, took);
        Sent(logger, kind, message.MessageId, Math.Round(took.TotalMilliseconds, 1));
    }

    /// <summary>"alert" or "digest", from the Message-ID the composers give every message; "other" for anything else.</summary>
    public static string KindOf(string? messageId) => messageId?.Split('.', 2)[0] switch
    {
        "alert" => "alert",
        "digest" => "digest",
        _ => "other",
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Email {Kind} {MessageId} sent in {ElapsedMs} ms")]
    private static partial void Sent(ILogger logger, string kind, string? messageId, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Email {Kind} {MessageId} failed: {Error} (SMTP status {SmtpStatus}) after {ElapsedMs} ms")]
    private static partial void Failed(ILogger logger, string kind, string? messageId, string error, string smtpStatus, double elapsedMs);

    private async Task DeliverAsync(MimeMessage message, Action? dataStarting, Func<Task>? accepted, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        var security = settings.UseStartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None;
        await client.ConnectAsync(settings.Host, settings.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken, dataStarting is null ? null : new FirstReport(dataStarting));
        if (accepted is not null)
        {
            await accepted();
        }

        client.Timeout = (int)settings.QuitTimeout.TotalMilliseconds;
        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException
                                      or SmtpProtocolException or SmtpCommandException or ServiceNotConnectedException)
        {
            // The message was accepted; the connection closes with the client either way.
        }
    }

    /// <summary>Calls back once, on the first bytes of the message body.</summary>
    private sealed class FirstReport(Action callback) : ITransferProgress
    {
        private bool reported;

        public void Report(long bytesTransferred, long totalSize) => Report(bytesTransferred);

        public void Report(long bytesTransferred)
        {
            if (!reported)
            {
                reported = true;
                callback();
            }
        }
    }
}
