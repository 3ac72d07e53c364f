namespace EventHealth.Email;

public sealed record SmtpSettings
{
    public const string Section = "Smtp";

    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1025;

    /// <summary>Address the emails come from, e.g. "EventHealth &lt;alerts@eventhealth.local&gt;".</summary>
    public string Sender { get; init; } = "EventHealth <alerts@eventhealth.local>";

    /// <summary>Use STARTTLS when the server offers it; off for a local MailDev.</summary>
    public bool UseStartTls { get; init; }

    public string? UserName { get; init; }
    public string? Password { get; init; }

    /// <summary>
    /// How long to wait for any one server answer. RFC 5321 §4.5.3.2 lets a server take up to 5 minutes for the
    /// greeting, MAIL and RCPT, 2 for DATA, 3 per data block and 10 after the final "."; a client that gives up
    /// sooner may abandon a message the server then delivers, and send it again. MailKit has one timeout for every
    /// answer, so it is the longest of these.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>QUIT after the server accepted the message is a courtesy: wait briefly, and never fail the send over it.</summary>
    public TimeSpan QuitTimeout { get; init; } = TimeSpan.FromSeconds(5);
}

public static class EmailConfiguration
{
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpSettings>()
            .Bind(builder.Configuration.GetSection(SmtpSettings.Section))
            .Validate(s => !string.IsNullOrWhiteSpace(s.Host) && s.Port is > 0 and < 65536, "Smtp:Host and Smtp:Port must be set")
            .Validate(s => MimeKit.MailboxAddress.TryParse(s.Sender, out _), "Smtp:Sender must be an email address")
            .ValidateOnStart();
        builder.Services.AddSingleton<SmtpMailer>();
        return builder;
    }
}
