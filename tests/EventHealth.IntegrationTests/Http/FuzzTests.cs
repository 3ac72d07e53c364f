using System.Text.Json;
using Alba;
using EventHealth.Faults.Fuzzing;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// A few hundred bad requests derived from the OpenAPI document (the same fuzzer ops/faults runs by the thousand):
/// none may answer 5xx, and none that is refused may store anything.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class FuzzTests(AppFixture app)
{
    [Fact]
    public async Task Bad_requests_derived_from_the_OpenAPI_document_are_refused_without_a_5xx_or_a_stored_event()
    {
        var patientId = await app.Host.EnrollAsync();
        var document = (await app.Host.GetAsJson<JsonElement>("/openapi/v1.json"))!;
        var cases = new OpenApiFuzzer(document, patientId, seed: 11).Derive(400);
        using var client = app.Host.Server.CreateClient();

        // No Authorization header: the test host's RightfulCaller adds the token of the record the path names.
        var report = await OpenApiFuzzer.RunAsync(cases, client, (_, _) => Task.CompletedTask, app.Host.StreamVersionAsync);

        cases.Count.ShouldBeGreaterThanOrEqualTo(300);
        report.ServerErrors.ShouldBe(0, string.Join("\n", report.Findings));
        report.EventsStoredByRefused.ShouldBe(0, string.Join("\n", report.Findings));
        // Omissions follow the document's required lists, which name some fields the API treats as optional (absent
        // means "unchanged" or "the default"): those are reported (AcceptedOmissions), not failed.
        report.Accepted.ShouldBe(0, string.Join("\n", report.Findings));
    }
}
