using System.Net;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Http;

/// <summary>Every read of a record that does not exist answers the documented problem (docs/recording.md), whoever
/// loads the record: the endpoint or the framework's declarative guard.</summary>
[Collection(ApiCollection.Name)]
public sealed class UnknownRecordTests(AppFixture app)
{
    public static TheoryData<string> ReadRoutes() =>
    [
        "", "/timeline", "/timeline?asOf=2026-01-01T00:00:00Z", "/daily", "/history", "/insights", "/export", "/fhir", "/alerts",
        $"/alerts/{Guid.NewGuid()}/explanation", "/experiments", $"/experiments/{Guid.NewGuid()}", $"/experiments/{Guid.NewGuid()}/analysis",
    ];

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task A_read_of_an_unknown_record_answers_patient_not_found(string route)
    {
        var patientId = Guid.NewGuid();
        var (status, body, contentType) = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}{route}", null);

        status.ShouldBe(HttpStatusCode.NotFound);
        contentType.ShouldBe("application/problem+json");
        body.GetProperty("status").GetInt32().ShouldBe(404);
        body.GetProperty("type").GetString().ShouldBe("https://eventhealth.example/problems/patient-not-found");
        body.GetProperty("title").GetString().ShouldBe("Patient not found.");
        body.GetProperty("detail").GetString().ShouldBe($"No record exists for patient {patientId}.");
        body.GetProperty("field").GetString().ShouldBe("patientId");
        body.GetProperty("instance").GetString().ShouldBe($"/api/patients/{patientId}{route.Split('?')[0]}");
        body.TryGetProperty("correlationId", out _).ShouldBeTrue();
    }
}
