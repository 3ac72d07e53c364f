using System.Text.Json;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Foundation;

/// <summary>A client generated from /openapi/v1.json must know every route, its body, its answer and its problems.</summary>
[Collection(ApiCollection.Name)]
public sealed class OpenApiContractTests(AppFixture app)
{
    public static TheoryData<string, string, bool> Routes => new()
    {
        { "post", "/api/patients", true },
        { "patch", "/api/patients/{patientId}", true },
        { "get", "/api/patients/{patientId}", false },
        { "post", "/api/patients/{patientId}/episodes", true },
        { "post", "/api/patients/{patientId}/cramps", true },
        { "post", "/api/patients/{patientId}/triggers", true },
        { "post", "/api/patients/{patientId}/sleep", true },
        { "post", "/api/patients/{patientId}/intake", true },
        { "post", "/api/patients/{patientId}/interventions", true },
        { "post", "/api/patients/{patientId}/symptoms", true },
        { "post", "/api/patients/{patientId}/entries/batch", true },
        { "post", "/api/patients/{patientId}/entries/{entryId}/retraction", true },
        { "get", "/api/patients/{patientId}/history", false },
        { "get", "/api/patients/{patientId}/timeline", false },
        { "get", "/api/patients/{patientId}/daily", false },
        { "get", "/api/patients/{patientId}/insights", false },
        { "get", "/api/patients/{patientId}/export", false },
        { "post", "/api/admin/projections/rebuild", false },
        { "get", "/api/patients/{patientId}/alerts", false },
        { "get", "/api/patients/{patientId}/alerts/{alertId}/explanation", false },
        { "post", "/api/patients/{patientId}/alerts/{alertId}/acknowledgement", true },
        { "post", "/api/admin/detection/run", false },
        { "post", "/api/admin/digest/run", false },
        { "post", "/api/patients/{patientId}/consents", true },
        { "get", "/api/audit", false },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_route_is_described_with_schemas_and_problem_answers(string method, string path, bool hasBody)
    {
        var document = await DocumentAsync();
        document.GetProperty("paths").TryGetProperty(path, out var item).ShouldBeTrue($"{path} is missing");
        item.TryGetProperty(method, out var operation).ShouldBeTrue($"{method} {path} is missing");
        operation.GetProperty("operationId").GetString().ShouldNotBeNullOrEmpty();

        if (hasBody)
        {
            operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json")
                .GetProperty("schema").GetProperty("$ref").GetString().ShouldStartWith("#/components/schemas/");
        }

        var responses = operation.GetProperty("responses");
        var success = responses.EnumerateObject().First(r => r.Name.StartsWith('2'));
        success.Value.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()
            .ShouldStartWith("#/components/schemas/");
        foreach (var problem in hasBody ? new[] { "400", "401", "403", "404", "409", "412", "413", "415", "429" } : ["400", "401", "403", "404"])
        {
            responses.TryGetProperty(problem, out var answer).ShouldBeTrue($"{method} {path} does not describe {problem}");
            answer.GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Vocabularies_are_kebab_case_enums_and_required_fields_are_marked()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("TriggerKind").GetProperty("enum").EnumerateArray().Select(v => v.GetString())
            .ShouldContain("poor-sleep");
        schemas.GetProperty("BodyRegion").GetProperty("enum").EnumerateArray().Select(v => v.GetString())
            .ShouldContain("upper-arm");
        schemas.GetProperty("RecordEpisode").GetProperty("required").EnumerateArray().Select(v => v.GetString())
            .ShouldBe(["bodyRegions", "side", "intensity", "durationSeconds", "visible", "painful", "entryId", "occurredAt"], ignoreOrder: true);
    }

    [Fact]
    public async Task The_bearer_scheme_is_declared_for_generated_clients()
    {
        var document = await DocumentAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        scheme.GetProperty("scheme").GetString().ShouldBe("bearer");
        scheme.GetProperty("bearerFormat").GetString().ShouldBe("JWT");
        document.GetProperty("security").GetArrayLength().ShouldBe(1);
    }

    private async Task<JsonElement> DocumentAsync() => (await app.Host.GetAsJson<JsonElement>("/openapi/v1.json"))!;
}
