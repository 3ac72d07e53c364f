using System.Net;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Hosting;

[Collection(ApiCollection.Name)]
public sealed class CrossOriginTests(AppFixture app)
{
    [Fact]
    public async Task A_configured_origin_may_call_the_api_from_a_browser_and_others_may_not()
    {
        using var client = app.Host.Server.CreateClient();
        async Task<HttpResponseMessage> Preflight(string origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Options, $"/api/patients/{Guid.NewGuid()}/episodes");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            return await client.SendAsync(request);
        }

        var allowed = await Preflight(AppFixture.AllowedOrigin);
        allowed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        allowed.Headers.GetValues("Access-Control-Allow-Origin").ShouldBe([AppFixture.AllowedOrigin]);
        allowed.Headers.Contains("Access-Control-Allow-Credentials").ShouldBeFalse();

        var other = await Preflight("https://evil.example.net");
        other.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }
}
