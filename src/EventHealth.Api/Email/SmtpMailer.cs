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

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
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
            await DeliverAsync(message, cancellationToken);
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

    private async Task DeliverAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        var security = settings.UseStartTls ? SecureSocketOptions.StartTlsWhenAvailable : SecureSocketOptions.None;
        await client.ConnectAsync(settings.Host, settings.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            await client.AuthenticateAsync(settings.UserName, settings.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
