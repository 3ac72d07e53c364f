using Alba;
using JasperFx.CommandLine;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
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

    public async Task InitializeAsync()
    {
        RequiredEnvironment("ConnectionStrings__EventHealth");
        JasperFxEnvironment.AutoStartHost = true;
        Host = await AlbaHost.For<Program>(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureServices(services =>
            {
                services.AddSingleton<IStartupFilter, TestOnlyRoutes>();
                services.AddSingleton<TimeProvider>(Clock);
                // One node: agents (projections, scheduled work) start at once instead of after leader election.
                services.RunWolverineInSoloMode();
            });
        });
    }

    /// <summary>Waits until async projections (daily summaries) have processed every event appended so far.</summary>
    public Task WaitForProjectionsAsync() =>
        Host.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Inbox.Dispose();
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
