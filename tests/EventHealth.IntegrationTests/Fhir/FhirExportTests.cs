using System.Net;
using System.Text.Json;
using EventHealth.IntegrationTests.Infrastructure;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;

namespace EventHealth.IntegrationTests.Fhir;

[Collection(ApiCollection.Name)]
public sealed class FhirExportTests(AppFixture app)
{
    /// <summary>Firely's strict deserializer: cardinalities, required elements, code values and primitive formats.</summary>
    private static readonly JsonSerializerOptions Strict = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Strict);

    [Fact]
    public async System.Threading.Tasks.Task The_bundle_parses_and_validates_with_the_Firely_SDK_and_every_reference_resolves_inside_it()
    {
        var record = await ClinicalRecords.WriteAsync(app);

        using var client = app.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Patient(record.PatientId));
        using var response = await client.GetAsync($"/api/patients/{record.PatientId}/fhir");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/fhir+json");
        var json = await response.Content.ReadAsStringAsync();

        var bundle = JsonSerializer.Deserialize<Bundle>(json, Strict).ShouldNotBeNull();
        bundle.Type.ShouldBe(Bundle.BundleType.Collection);
        foreach (var entry in bundle.Entry)
        {
            entry.Resource.ShouldNotBeNull().Validate(NarrativeValidationKind.FhirXhtml, null).ShouldBeEmpty($"{entry.Resource!.TypeName} {entry.FullUrl}");
        }

        bundle.Validate(NarrativeValidationKind.FhirXhtml, null).ShouldBeEmpty();

        // Every reference anywhere in the Bundle names the fullUrl of one of its entries; fullUrls are unique.
        var fullUrls = bundle.Entry.Select(e => e.FullUrl).ToList();
        fullUrls.ShouldBeUnique();
        var references = References(JsonDocument.Parse(json).RootElement).ToList();
        references.Count.ShouldBeGreaterThan(20);
        references.Where(r => !fullUrls.Contains(r)).ShouldBeEmpty();

        // The patient, one resource per entry with the entry id as identifier and occurredAt as the effective time.
        var patient = bundle.Entry.Select(e => e.Resource).OfType<Patient>().ShouldHaveSingleItem();
        patient.Identifier.ShouldContain(i => i.Value == record.PatientId.ToString());
        var byEntryId = bundle.Entry.Select(e => e.Resource!).Where(r => r is Observation or Procedure or MedicationStatement)
            .ToDictionary(r => (r switch
            {
                Observation o => o.Identifier,
                Procedure p => p.Identifier,
                MedicationStatement m => m.Identifier,
                _ => [],
            }).Single().Value!);
        byEntryId.Keys.ShouldBe(record.Entries.Values.Select(id => id.ToString()), ignoreOrder: true);

        byEntryId[record.Entries["supplement"].ToString()].ShouldBeOfType<MedicationStatement>();
        byEntryId[record.Entries["stretching"].ToString()].ShouldBeOfType<Procedure>();
        var episode = byEntryId[record.Entries["episode"].ToString()].ShouldBeOfType<Observation>();
        episode.Status.ShouldBe(ObservationStatus.Final);
        episode.Effective.ShouldBeOfType<FhirDateTime>().ToDateTimeOffset(TimeSpan.Zero).ShouldBe(Records.Yesterday, TimeSpan.FromMilliseconds(1));
        episode.Component.Select(c => c.Code.Coding[0].Code).ShouldBe(["intensity", "duration", "body-site", "body-site", "side", "visible", "painful"]);
        episode.Code.Coding.ShouldContain(c => c.System == "http://hl7.org/fhir/sid/icd-10" && c.Code == "R25.3");
        byEntryId[record.Entries["cramp"].ToString()].ShouldBeOfType<Observation>().Component.Select(c => c.Code.Coding[0].Code)
            .ShouldBe(["severity", "duration", "body-site", "sudden", "disrupted-daily-activities"]);
        byEntryId[record.Entries["symptom"].ToString()].ShouldBeOfType<Observation>().Component.Select(c => c.Code.Coding[0].Code).ShouldContain("severity");
        byEntryId[record.Entries["sleep"].ToString()].ShouldBeOfType<Observation>().Code.Coding.ShouldContain(c => c.System == "http://loinc.org" && c.Code == "93832-4");
        byEntryId[record.Retracted.ToString()].ShouldBeOfType<Observation>().Status.ShouldBe(ObservationStatus.EnteredInError);
        byEntryId[record.Entries["note"].ToString()].ShouldBeOfType<Observation>().Performer.ShouldHaveSingleItem()
            .Reference.ShouldNotBe(bundle.Entry[0].FullUrl, "a note is performed by its clinician, not the patient");

        // The alerts (balance problem; sudden severe cramp), each with its evidence pointing at the entries the rule relied on.
        var issues = bundle.Entry.Select(e => e.Resource).OfType<DetectedIssue>().ToList();
        issues.Select(i => i.Code!.Coding.Single().Code).ShouldBe(["coordination-or-balance", "sudden-severe-cramps"], ignoreOrder: true);
        var balance = issues.Single(i => i.Code!.Coding.Single().Code == "coordination-or-balance");
        var evidence = balance.Evidence.SelectMany(e => e.Detail).Select(r => r.Reference).ShouldHaveSingleItem();
        bundle.Entry.Single(e => e.FullUrl == evidence).Resource.ShouldBeOfType<Observation>().Identifier.Single().Value
            .ShouldBe(record.Entries["symptom"].ToString());
        var acknowledged = issues.Single(i => i.Identifier.Single().Value == record.AlertId.ToString());
        acknowledged.Mitigation.ShouldHaveSingleItem().Action.Coding.Single().Code.ShouldBe("acknowledged");
        issues.Single(i => i != acknowledged).Mitigation.ShouldBeEmpty();
    }

    [Fact]
    public async System.Threading.Tasks.Task The_FHIR_export_has_the_access_rules_and_audit_of_the_JSON_export()
    {
        var record = await ClinicalRecords.WriteAsync(app);
        var url = $"/api/patients/{record.PatientId}/fhir";
        (await app.Host.SendRawAsync(HttpMethod.Get, url, null, ("Authorization", $"Bearer {TestTokens.Patient(Guid.NewGuid())}"))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Get, url, null, ("Authorization", $"Bearer {TestTokens.For("operator", "ops-1")}"))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Get, url, null, ClinicalRecords.ClinicianHeader(record.Clinician))).Status.ShouldBe(HttpStatusCode.OK);
        (await app.Host.SendRawAsync(HttpMethod.Get, url, null, ("Authorization", $"Bearer {TestTokens.For("auditor", "auditor-1")}"))).Status.ShouldBe(HttpStatusCode.OK);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{Guid.NewGuid()}/fhir", null, ("Authorization", $"Bearer {TestTokens.For("auditor", "auditor-1")}"))).Status
            .ShouldBe(HttpStatusCode.NotFound);

        var audit = (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/audit?patientId={record.PatientId}", null)).Body.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("route").GetString() == "/api/patients/{patientId}/fhir").Select(r => (r.GetProperty("role").GetString(), r.GetProperty("outcome").GetString()))
            .ToList();
        audit.ShouldBe([("patient", "denied"), ("operator", "denied"), ("clinician", "allowed"), ("auditor", "allowed")]);
    }

    [Fact]
    public async System.Threading.Tasks.Task The_OpenAPI_document_describes_the_FHIR_media_type_and_the_problems()
    {
        var document = (await app.Host.SendRawAsync(HttpMethod.Get, "/openapi/v1.json", null)).Body;
        var operation = document.GetProperty("paths").GetProperty("/api/patients/{patientId}/fhir").GetProperty("get");
        operation.GetProperty("operationId").GetString().ShouldBe("exportRecordAsFhir");
        var responses = operation.GetProperty("responses");
        responses.GetProperty("200").GetProperty("content").TryGetProperty("application/fhir+json", out _).ShouldBeTrue();
        foreach (var problem in new[] { "401", "403", "404", "410" })
        {
            responses.GetProperty(problem).GetProperty("content").TryGetProperty("application/problem+json", out _).ShouldBeTrue(problem);
        }
    }

    private static IEnumerable<string> References(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "reference" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }

                    foreach (var inner in References(property.Value))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in References(item))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }
}
