using System.Globalization;

namespace EventHealth.Access;

/// <summary>
/// <c>dotnet EventHealth.Api.dll mint-token &lt;role&gt; &lt;subject&gt; [--minutes 60]</c>: prints a bearer token signed
/// with the local development key. It reads configuration only (appsettings, environment) and never builds the host,
/// so it answers at once and needs no database. Refuses when an OpenID Connect authority is configured (production).
/// <c>mint-token patient id1,id2,…</c> prints one token per subject and line (the benchmark mints dozens at once).
/// </summary>
public static class MintTokenCommand
{
    public const string Verb = "mint-token";

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == Verb;

    public static int Run(string[] args)
    {
        var environment = Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
            ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environments.Production;
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var settings = configuration.GetSection(IdentitySettings.Section).Get<IdentitySettings>() ?? new IdentitySettings();

        var positional = new List<string>();
        var minutes = 60;
        var minutesValid = true;
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i] == "--minutes")
            {
                minutesValid = ++i < args.Length && int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out minutes) && minutes > 0;
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        var role = positional.ElementAtOrDefault(0);
        var subjects = positional.ElementAtOrDefault(1)?.Split(',', StringSplitOptions.TrimEntries) ?? [];
        if (settings.Authority is not null || settings.LocalKey is null || role is null || !Roles.All.Contains(role) || subjects.Length == 0
            || subjects.Any(s => s.Length == 0) || (role == Roles.Patient && subjects.Any(s => !Guid.TryParse(s, out _))) || !minutesValid)
        {
            Console.Error.WriteLine("usage: mint-token <patient|clinician|operator|auditor> <subject[,subject…]> [--minutes 60]");
            Console.Error.WriteLine("It needs a local signing key (Auth:SigningKey, no Auth:Authority) and a UUID as a patient's subject.");
            return 2;
        }

        foreach (var subject in subjects)
        {
            Console.WriteLine(IdentityConfiguration.MintLocalToken(settings, role, subject, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(minutes)));
        }

        return 0;
    }
}
