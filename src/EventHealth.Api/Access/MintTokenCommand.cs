using JasperFx.CommandLine;
using Microsoft.Extensions.Configuration;

namespace EventHealth.Access;

public sealed class MintTokenInput : NetCoreInput
{
    [Description("patient, clinician, operator or auditor")]
    public string Role { get; set; } = Roles.Patient;

    [Description("The subject: a patient's id for a patient; any stable id for the others. Several, comma-separated, print one token per line")]
    public string Subject { get; set; } = "";

    [Description("Lifetime in minutes")]
    public int MinutesFlag { get; set; } = 60;
}

/// <summary>
/// <c>dotnet EventHealth.Api.dll mint-token patient &lt;patient id&gt; [--minutes 60]</c>: prints a bearer token signed
/// with the local development key. Refuses when an OpenID Connect authority is configured (production).
/// <c>mint-token patient id1,id2,…</c> prints one token per subject and line (the benchmark needs dozens; one host start each would take minutes).
/// </summary>
[Description("Prints a bearer token signed with the local development key", Name = "mint-token")]
public sealed class MintTokenCommand : JasperFxCommand<MintTokenInput>
{
    public override bool Execute(MintTokenInput input)
    {
        using var host = input.BuildHost();
        var settings = host.Services.GetRequiredService<IConfiguration>().GetSection(IdentitySettings.Section).Get<IdentitySettings>() ?? new IdentitySettings();
        var subjects = input.Subject.Split(',', StringSplitOptions.TrimEntries);
        if (settings.Authority is not null || !Roles.All.Contains(input.Role) || subjects.Any(s => s.Length == 0)
            || (input.Role == Roles.Patient && subjects.Any(s => !Guid.TryParse(s, out _))))
        {
            Console.Error.WriteLine("mint-token needs a local signing key (no Auth:Authority), a role among patient, clinician, operator, auditor, and a subject (a UUID for a patient).");
            return false;
        }

        foreach (var subject in subjects)
        {
            Console.WriteLine(IdentityConfiguration.MintLocalToken(settings, input.Role, subject, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(input.MinutesFlag)));
        }

        return true;
    }
}
