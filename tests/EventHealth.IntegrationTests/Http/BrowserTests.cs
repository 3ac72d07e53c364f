using System.Net;
using System.Text.Json.Nodes;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// Debian's headless Chromium, driven through Playwright with its executable path (Playwright's own browser builds are
/// never downloaded). The screenshots land in TestResults/screenshots.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class BrowserTests(AppFixture app)
{
    [ChromiumFact]
    public async Task An_operator_signs_in_and_sees_the_recurring_jobs_and_a_patient_cannot()
    {
        await using var gateway = await BrowserGateway.StartAsync(app.Host.Server);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);

        var operatorPage = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } })).NewPageAsync();
        await operatorPage.GotoAsync(new Uri(gateway.Address, "/hangfire/recurring").ToString());
        operatorPage.Url.ShouldContain("/ops/sign-in");
        await operatorPage.FillAsync("#token", TestTokens.For(Roles.Operator, "ops-browser"));
        await operatorPage.ClickAsync("button[type=submit]");
        await operatorPage.WaitForURLAsync("**/hangfire/recurring");
        await Assertions.Expect(operatorPage.Locator("h1")).ToContainTextAsync("Recurring Jobs");
        await Assertions.Expect(operatorPage.Locator("table")).ToContainTextAsync("detection");
        await Assertions.Expect(operatorPage.Locator("table")).ToContainTextAsync("weekly-digest");
        await operatorPage.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "dashboard-recurring-jobs.png"), FullPage = true });

        var patientPage = await (await browser.NewContextAsync()).NewPageAsync();
        await patientPage.GotoAsync(new Uri(gateway.Address, "/hangfire").ToString());
        await patientPage.FillAsync("#token", TestTokens.Patient(Guid.NewGuid()));
        await patientPage.ClickAsync("button[type=submit]");
        await Assertions.Expect(patientPage.Locator("[role=alert]")).ToContainTextAsync("Only operators may open the job dashboard.");
        await patientPage.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "dashboard-patient-refused.png") });
        await patientPage.GotoAsync(new Uri(gateway.Address, "/hangfire/recurring").ToString());
        patientPage.Url.ShouldContain("/ops/sign-in");
        (await patientPage.ContentAsync()).ShouldNotContain("weekly-digest");
    }

    [ChromiumFact]
    public async Task The_digest_email_renders_in_maildev_with_its_chart()
    {
        var patientId = Guid.NewGuid();
        var email = $"browser-digest-{patientId:N}@example.org";
        var enrollment = Records.Enrollment(patientId, displayName: "Alex Example").With("email", email).With("timeZone", "UTC").Without("clinicianEmail");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var today = DateTimeOffset.UtcNow.Date;
        var entries = new JsonArray();
        foreach (var (daysAgo, count) in new[] { (13, 1), (11, 3), (10, 2), (7, 1), (6, 4), (5, 2), (3, 5), (2, 1), (1, 2) })
        {
            for (var i = 0; i < count; i++)
            {
                entries.Add(Records.Episode(intensity: 3 + i, occurredAt: new DateTimeOffset(today.AddDays(-daysAgo).AddHours(9 + i), TimeSpan.Zero)).Typed("episode"));
            }
        }

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", new JsonObject { ["entries"] = entries }.ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.OK);
        await app.WaitForProjectionsAsync();
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/admin/digest/run", null)).Status.ShouldBe(HttpStatusCode.OK);
        var digest = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(30))).ShouldHaveSingleItem();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } })).NewPageAsync();
        var maildev = Environment.GetEnvironmentVariable("EVENTHEALTH_MAILDEV_URL")!.TrimEnd('/');

        // MailDev's rendering of the HTML part, the inline chart resolved from its cid: reference.
        await page.GotoAsync($"{maildev}/email/{digest.Id}/html", new() { WaitUntil = WaitUntilState.NetworkIdle });
        (await page.EvaluateAsync<int>("() => [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")).ShouldBe(1);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Twitch episodes:");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "digest-email.png"), FullPage = true });

        // The same message in MailDev's inbox view.
        await page.GotoAsync($"{maildev}/#/email/{digest.Id}", new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.WaitForTimeoutAsync(1000);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "digest-email-maildev.png"), FullPage = true });
    }

    [ChromiumFact]
    public async Task The_docs_page_works_offline_and_shows_the_contract_text()
    {
        await using var gateway = await BrowserGateway.StartAsync(app.Host.Server);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await (await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } })).NewPageAsync();
        var leaving = new List<string>();
        // Anything not for this host is refused and noted, as it would fail on a machine without network.
        await page.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob" || url.IsLoopback)
            {
                await route.ContinueAsync();
                return;
            }

            lock (leaving)
            {
                leaving.Add(route.Request.Url);
            }

            await route.AbortAsync();
        });

        await page.GotoAsync(new Uri(gateway.Address, "/docs").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("EventHealth API");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("ETag: \"<record version>\"");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Erase the record");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Chromium.ScreenshotDirectory, "api-docs.png") });

        leaving.ShouldBeEmpty("the docs page requests nothing beyond this host");
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var vendor in new[] { "Ask AI", "Open API Client", "Generate SDK", "Deploy", "Powered by" })
        {
            text.ShouldNotContain(vendor, Case.Insensitive, "no vendor buttons unrelated to this API");
        }
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new()
    {
        ExecutablePath = Chromium.ExecutablePath,
        Headless = true,
        // Root (CI) cannot use Chromium's sandbox; /dev/shm is small on build machines.
        Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    });
}
