namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Debian's headless Chromium, which ops/test installs (ops/lib/services.sh, ensure_chromium).</summary>
public static class Chromium
{
    public static string? ExecutablePath =>
        new[] { Environment.GetEnvironmentVariable("EVENTHEALTH_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }
            .FirstOrDefault(path => !string.IsNullOrEmpty(path) && File.Exists(path));

    /// <summary>Where test runs leave screenshots: TestResults/screenshots at the repository root.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            var path = Path.Combine(Repository.Root, "TestResults", "screenshots");
            Directory.CreateDirectory(path);
            return path;
        }
    }
}

/// <summary>A fact that needs Chromium: skipped, saying why, on a machine without it (ops/test installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.ExecutablePath is null)
        {
            Skip = "Chromium is not installed (ops/test installs Debian's chromium package; or set EVENTHEALTH_CHROMIUM to a Chromium binary).";
        }
    }
}
