using System.Net;
using System.Text.RegularExpressions;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Access;

/// <summary>The job dashboard over plain HTTP: sign-in, cookie, role, antiforgery. The browser test does the same in Chromium.</summary>
[Collection(ApiCollection.Name)]
public sealed partial class DashboardTests(AppFixture app)
{
    [Fact]
    public async Task An_operator_signs_in_with_a_token_and_the_dashboard_lists_the_recurring_jobs()
    {
        using var browser = new CookieBrowser(app);
        var first = await browser.GetAsync("/hangfire/recurring");
        first.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        first.Headers.Location!.PathAndQuery.ShouldStartWith("/ops/sign-in?ReturnUrl=%2Fhangfire%2Frecurring");

        var signIn = await browser.SignInAsync(TestTokens.For(Roles.Operator, "ops-dashboard"), "/hangfire/recurring");
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signIn.Headers.Location!.OriginalString.ShouldBe("/hangfire/recurring");
        signIn.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith("eventhealth.dashboard=", StringComparison.Ordinal)
            && c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite=strict", StringComparison.OrdinalIgnoreCase));

        var page = await browser.GetAsync("/hangfire/recurring");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        html.ShouldContain("Recurring jobs");
        html.ShouldContain("detection");
        html.ShouldContain("weekly-digest");

        // Dashboard actions are POSTs: without the antiforgery token a signed-in operator's request is refused; with the
        // token the page carries (as the dashboard's own script sends it) the same request goes through. The job id names
        // no job, so nothing runs.
        var action = new Dictionary<string, string> { ["jobs[]"] = "no-such-job" };
        (await browser.PostFormAsync("/hangfire/recurring/trigger", action)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var header = CsrfMeta("header").Match(html);
        var token = CsrfMeta("token").Match(html);
        header.Success.ShouldBeTrue();
        token.Success.ShouldBeTrue();
        using var genuine = new HttpRequestMessage(HttpMethod.Post, "/hangfire/recurring/trigger") { Content = new FormUrlEncodedContent(action) };
        genuine.Headers.Add(WebUtility.HtmlDecode(header.Groups["value"].Value), WebUtility.HtmlDecode(token.Groups["value"].Value));
        (await browser.SendAsync(genuine)).StatusCode.ShouldNotBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_patient_token_or_a_bad_token_does_not_open_the_dashboard()
    {
        using var browser = new CookieBrowser(app);
        var patient = await browser.SignInAsync(TestTokens.Patient(Guid.NewGuid()), "/hangfire");
        patient.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await patient.Content.ReadAsStringAsync()).ShouldContain("Only operators may open the job dashboard.");
        (await browser.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await browser.SignInAsync(TestTokens.WrongSignature(Roles.Operator, "ops-1"), "/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await browser.SignInAsync(TestTokens.Expired(Roles.Operator, "ops-1"), "/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // A bearer token is not a dashboard sign-in.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        bearer.Headers.Authorization = new("Bearer", TestTokens.For(Roles.Operator, "ops-1"));
        (await browser.SendAsync(bearer)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task The_sign_in_form_needs_its_antiforgery_token_and_returns_only_to_local_pages()
    {
        using var browser = new CookieBrowser(app);
        var withoutToken = await browser.PostFormAsync("/ops/sign-in", new Dictionary<string, string> { ["token"] = TestTokens.For(Roles.Operator, "ops-1") });
        withoutToken.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var offsite = await browser.SignInAsync(TestTokens.For(Roles.Operator, "ops-1"), "//evil.example.net/x");
        offsite.Headers.Location!.OriginalString.ShouldBe("/hangfire");
    }

    private static Regex CsrfMeta(string name) => new($"<meta name=\"csrf-{name}\" content=\"(?<value>[^\"]+)\"");

    /// <summary>An HTTP client that keeps cookies and does not follow redirects, like a browser seen one request at a time.</summary>
    private sealed partial class CookieBrowser(AppFixture app) : IDisposable
    {
        private readonly HttpClient client = new(new CookieContainerHandler(app.Host.Server.CreateHandler())) { BaseAddress = new Uri("http://localhost") };

        public Task<HttpResponseMessage> GetAsync(string path) => client.GetAsync(path);

        public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => client.SendAsync(request);

        public Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields) => client.PostAsync(path, new FormUrlEncodedContent(fields));

        public async Task<HttpResponseMessage> SignInAsync(string token, string returnUrl)
        {
            var form = await (await client.GetAsync($"/ops/sign-in?returnUrl={Uri.EscapeDataString(returnUrl)}")).Content.ReadAsStringAsync();
            var antiforgery = AntiforgeryField().Match(form);
            antiforgery.Success.ShouldBeTrue();
            return await PostFormAsync("/ops/sign-in", new Dictionary<string, string>
            {
                [antiforgery.Groups["name"].Value] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value),
                ["returnUrl"] = returnUrl,
                ["token"] = token,
            });
        }

        public void Dispose() => client.Dispose();

        [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>__RequestVerificationToken[^\"]*)\" value=\"(?<value>[^\"]+)\"")]
        private static partial Regex AntiforgeryField();
    }

    private sealed class CookieContainerHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly CookieContainer cookies = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var header = cookies.GetCookieHeader(request.RequestUri!);
            if (header.Length > 0)
            {
                request.Headers.Add("Cookie", header);
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var cookie in setCookies)
                {
                    cookies.SetCookies(request.RequestUri!, cookie);
                }
            }

            return response;
        }
    }
}
