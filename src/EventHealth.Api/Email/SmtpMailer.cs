using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EventHealth.Email;

/// <summary>Sends one MIME message through the configured SMTP server. Retries belong to the caller (Wolverine).</summary>
public sealed class SmtpMailer(IOptions<SmtpSettings> options)
{
    private readonly SmtpSettings settings = options.Value;

    public MailboxAddress Sender => MailboxAddress.Parse(settings.Sender);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        if (message.From.Count == 0)
        {
            message.From.Add(Sender);
        }

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
