using EventHealth.Alerts;
using Microsoft.Extensions.Configuration;

namespace EventHealth.UnitTests.Alerts;

public sealed class AlertEmailSettingsTests
{
    [Fact]
    public void Configured_retry_delays_replace_the_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AlertEmails:RetryDelays:0"] = "00:00:01",
            ["AlertEmails:RetryDelays:1"] = "00:00:02",
        }).Build();

        var settings = configuration.GetSection(AlertEmailSettings.Section).Get<AlertEmailSettings>()!;

        settings.EffectiveRetryDelays.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)]);
        new AlertEmailSettings().EffectiveRetryDelays.Count.ShouldBe(7);
    }
}
