using System.Net;
using System.Text.Json;
using Alba;
using EventHealth.Hosting;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Hosting;

[Collection(ApiCollection.Name)]
public sealed class HostTests(AppFixture app)
{
    [Fact]
    public async Task Readiness_checks_the_real_database_and_answers_200()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/health/ready");
            s.StatusCodeShouldBeOk();
        });
        (await result.ReadAsTextAsync()).ShouldBe("Healthy");
    }

    [Fact]
    public async Task Liveness_answers_200()
    {
        await app.Host.Scenario(s =>
        {
            s.Get.Url("/health/live");
            s.StatusCodeShouldBeOk();
        });
    }

    [Fact]
    public async Task Unknown_route_answers_404_problem_details()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/api/no-such-route");
            s.StatusCodeShouldBe(HttpStatusCode.NotFound);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = result.ReadAsJson<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe(404);
        problem.GetProperty("instance").GetString().ShouldBe("/api/no-such-route");
    }

    [Fact]
    public async Task Unhandled_exception_answers_500_problem_details_without_the_exception_text()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url(TestOnlyRoutes.ThrowingRoute);
            s.StatusCodeShouldBe(HttpStatusCode.InternalServerError);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.ReadAsTextAsync()).ShouldNotContain("secret internal detail");
    }

    [Fact]
    public async Task Caller_correlation_id_is_echoed_and_named_in_problems()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/api/no-such-route");
            s.WithRequestHeader(CorrelationId.HeaderName, "phone-sync-42");
            s.StatusCodeShouldBe(HttpStatusCode.NotFound);
            s.Header(CorrelationId.HeaderName).SingleValueShouldEqual("phone-sync-42");
        });
        result.ReadAsJson<JsonElement>().GetProperty("correlationId").GetString().ShouldBe("phone-sync-42");
    }

    [Fact]
    public async Task OpenApi_document_and_browsable_ui_are_served()
    {
        var result = await app.Host.Scenario(s =>
        {
            s.Get.Url("/openapi/v1.json");
            s.StatusCodeShouldBeOk();
        });
        var document = result.ReadAsJson<JsonElement>();
        document.GetProperty("openapi").GetString().ShouldStartWith("3.");
        document.GetProperty("info").GetProperty("title").GetString().ShouldBe("EventHealth API");

        await app.Host.Scenario(s =>
        {
            s.Get.Url("/docs/");
            s.StatusCodeShouldBeOk();
            s.ContentTypeShouldBe("text/html");
        });
    }
}
