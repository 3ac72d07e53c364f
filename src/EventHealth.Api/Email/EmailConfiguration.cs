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

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
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
