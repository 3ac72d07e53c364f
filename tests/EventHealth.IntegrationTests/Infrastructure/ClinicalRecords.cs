using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>A record holding every entry type, a clinician's note, a retraction and an alert, written over real HTTP.</summary>
public sealed record ClinicalRecord(Guid PatientId, IReadOnlyDictionary<string, Guid> Entries, Guid Retracted, Guid AlertId, string Clinician);

public static class ClinicalRecords
{
    /// <param name="text">Free text written into every free-text field (details, reasons, notes).</param>
    public static async Task<ClinicalRecord> WriteAsync(AppFixture app, JsonObject? enrollment = null, string text = "felt it after the long shift")
    {
        var patientId = enrollment is null ? Guid.NewGuid() : Guid.Parse(enrollment["patientId"]!.GetValue<string>());
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", (enrollment ?? Records.Enrollment(patientId)).ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);

        var entries = new Dictionary<string, Guid>();
        async Task Post(string name, string route, JsonObject body)
        {
            var id = Guid.Parse(body["entryId"]!.GetValue<string>());
            var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/{route}", body.ToJsonString());
            answer.Status.ShouldBe(HttpStatusCode.Created, $"{route}: {answer.Body}");
            entries[name] = id;
        }

        await Post("episode", "episodes", Records.Episode());
        await Post("cramp", "cramps", Records.Cramp());
        await Post("trigger", "triggers", Records.Trigger().With("details", text));
        await Post("sleep", "sleep", Records.Sleep());
        await Post("intake", "intake", Records.Intake());
        await Post("supplement", "interventions", Records.Intervention().With("details", text));
        await Post("stretching", "interventions", Records.Intervention().With("kind", "stretching").Without("doseMg"));
        await Post("symptom", "symptoms", Records.Symptom().With("kind", "balance-problem"));
        await Post("retracted", "episodes", Records.Episode(intensity: 2));

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{entries["retracted"]}/retraction",
            new JsonObject { ["reason"] = text }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        // A clinician with read-write consent adds a note.
        var clinician = $"dr-{patientId:N}"[..20];
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents",
            new JsonObject { ["clinicianId"] = clinician, ["scope"] = "read-write" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        var note = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = text };
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", note.ToJsonString(), ClinicianHeader(clinician))).Status
            .ShouldBe(HttpStatusCode.Created);
        entries["note"] = Guid.Parse(note["entryId"]!.GetValue<string>());

        // The balance problem raises the coordination-or-balance alert; the patient acknowledges it with a note.
        await app.Host.Scenario(s => { s.Post.Url("/api/admin/detection/run"); s.StatusCodeShouldBeOk(); });
        var alerts = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts");
        var alertId = alerts.EnumerateArray().First().GetProperty("alertId").GetGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/alerts/{alertId}/acknowledgement",
            new JsonObject { ["note"] = text }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        return new ClinicalRecord(patientId, entries, entries["retracted"], alertId, clinician);
    }

    public static (string, string) ClinicianHeader(string clinician) => ("Authorization", $"Bearer {TestTokens.For(EventHealth.Access.Roles.Clinician, clinician)}");

    /// <summary>Waits until no alert email of the record is still pending, so their "sent" events are stored.</summary>
    public static async Task WaitForAlertEmailsAsync(AppFixture app, Guid patientId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/alerts"))!.GetProperty("alerts")
                   .EnumerateArray().SelectMany(a => a.GetProperty("notifications").EnumerateArray())
                   .Any(n => n.GetProperty("status").GetString() == "pending"))
        {
            await Task.Delay(200);
        }
    }
}
