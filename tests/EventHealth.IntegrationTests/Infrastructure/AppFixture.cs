using Alba;
using JasperFx.CommandLine;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Wolverine;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// One real host per test assembly, booted against the PostgreSQL and MailDev that <c>ops/test</c> started
/// (their addresses arrive as environment variables). Tests isolate themselves by fresh ids, never by wiping.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public IAlbaHost Host { get; private set; } = null!;
    public MailDevInbox Inbox { get; } = new(RequiredEnvironment("EVENTHEALTH_MAILDEV_URL"));
    public TestClock Clock { get; } = new();

    /// <summary>Everything the host logged, for the test that proves record contents never reach the logs.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>Every span the host exported through its OpenTelemetry tracer provider.</summary>
    public SpanCollection Spans { get; } = new();

    /// <summary>The one browser origin the test host allows (CORS).</summary>
    public const string AllowedOrigin = "https://clinic.example.org";

    /// <summary>Writes per minute per identity in the test host.</summary>
    public const int RateLimit = 400;

    /// <summary>A request header that tells the test hook to send no token at all.</summary>
    public const string AnonymousHeader = "X-Test-Anonymous";

    /// <summary>The host sends mail through this relay to MailDev; tests close it to take SMTP down.</summary>
    public SmtpGate Smtp { get; } = SmtpGate.OpenTo(int.Parse(RequiredEnvironment("Smtp__Port"), System.Globalization.CultureInfo.InvariantCulture));

    public async Task InitializeAsync()
    {
        RequiredEnvironment("ConnectionStrings__EventHealth");
        JasperFxEnvironment.AutoStartHost = true;
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting("Smtp:Port", Smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            UseTestTokens(builder);
            builder.UseSetting("Cors:AllowedOrigins:0", AllowedOrigin);
            // Spans go to the in-memory exporter below (the telemetry tests read them).
            builder.UseSetting("Telemetry:RecordTraces", "true");
            builder.UseSetting("RateLimits:WritesPerMinute", RateLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // The access matrix reads as one auditor and calls anonymously many times a minute.
            builder.UseSetting("RateLimits:ReadsPerMinute", "100000");
            builder.UseSetting("RateLimits:AnonymousPerMinute", "100000");
            builder.UseSetting("AlertEmails:DailyCapPerPatient", "4");
            UseShortEmailRetries(builder);
            builder.ConfigureServices(services =>
            {
                services.AddSingleton<IStartupFilter, TestOnlyRoutes>();
                services.AddSingleton<IStartupFilter, RightfulCaller>();
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
                services.AddSingleton<TimeProvider>(Clock);
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                // One node: agents (projections, scheduled work) start at once instead of after leader election.
                services.RunWolverineInSoloMode();
            });
        });
    }

    /// <summary>Tokens minted by <see cref="TestTokens"/> are accepted.</summary>
    public static void UseTestTokens(IWebHostBuilder builder)
    {
        builder.UseSetting("Auth:Issuer", TestTokens.Settings.Issuer);
        builder.UseSetting("Auth:Audience", TestTokens.Settings.Audience);
        builder.UseSetting("Auth:SigningKey", TestTokens.Settings.SigningKey);
    }

    /// <summary>Seconds between alert e-mail attempts instead of minutes, so that "SMTP comes back" is seen within a test.</summary>
    public static void UseShortEmailRetries(IWebHostBuilder builder)
    {
        string[] delays = ["00:00:01", "00:00:01", "00:00:02", "00:00:02", "00:00:03", "00:00:03"];
        for (var i = 0; i < delays.Length; i++)
        {
            builder.UseSetting($"AlertEmails:RetryDelays:{i}", delays[i]);
        }
    }

    /// <summary>Waits until async projections (daily summaries) have processed every event appended so far.</summary>
    public Task WaitForProjectionsAsync() =>
        Host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Inbox.Dispose();
        await Smtp.DisposeAsync();
    }

    private static string RequiredEnvironment(string name) =>
        Environment.GetEnvironmentVariable(name)
        ?? throw new InvalidOperationException($"{name} is not set: run the tests through ops/test, which starts PostgreSQL and MailDev.");
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "api";
}
