using EventHealth.Access;

namespace EventHealth.UnitTests.Access;

public sealed class AccessRulesTests
{
    private static readonly Guid PatientA = Guid.NewGuid();

    private static int? Decide(string method, string route, Caller caller, bool consent = false) =>
        Decide(method, route, caller, consent ? ConsentScopes.Read : null);

    private static int? Decide(string method, string route, Caller caller, string? scope) =>
        AccessRules.Decide(method, route, caller, PatientA, _ => scope).Status;

    private static Caller As(string role, string subject) => new(true, role, subject);

    [Theory]
    [InlineData("GET", "/api/patients/{patientId}/timeline")]
    [InlineData("POST", "/api/patients/{patientId}/episodes")]
    [InlineData("POST", "/api/admin/detection/run")]
    public void Without_a_valid_token_everything_under_api_is_401(string method, string route) =>
        Decide(method, route, new Caller(false, null, null)).ShouldBe(401);

    [Theory]
    [InlineData(Roles.Patient, "note", false)]
    [InlineData(Roles.Clinician, "note", true)]
    [InlineData(Roles.Patient, "episode", true)]
    [InlineData(Roles.Clinician, "episode", true)]
    [InlineData(Roles.Operator, "note", true)]
    [InlineData(Roles.Operator, "episode", false)]
    public void A_clinicians_note_is_retracted_only_by_a_clinician_or_an_operator_on_a_documented_request(string role, string entryKind, bool allowed) =>
        AccessRules.MayRetract(As(role, role == Roles.Patient ? PatientA.ToString() : "dr-lee"), entryKind).IsAllowed.ShouldBe(allowed);

    [Fact]
    public void Health_and_docs_stay_open() => Decide("GET", "/health/ready", new Caller(false, null, null)).ShouldBeNull();

    [Fact]
    public void Patients_reach_their_own_record_only()
    {
        Decide("POST", "/api/patients/{patientId}/episodes", As(Roles.Patient, PatientA.ToString())).ShouldBeNull();
        Decide("GET", "/api/patients/{patientId}/timeline", As(Roles.Patient, Guid.NewGuid().ToString())).ShouldBe(403);
        Decide("POST", "/api/admin/detection/run", As(Roles.Patient, PatientA.ToString())).ShouldBe(403);
    }

    [Fact]
    public void Clinicians_read_and_acknowledge_with_consent_and_never_write_entries()
    {
        var clinician = As(Roles.Clinician, "dr-lee");
        Decide("GET", "/api/patients/{patientId}/timeline", clinician, consent: true).ShouldBeNull();
        Decide("POST", "/api/patients/{patientId}/alerts/{alertId}/acknowledgement", clinician, consent: true).ShouldBeNull();
        Decide("POST", "/api/patients/{patientId}/episodes", clinician, consent: true).ShouldBe(403);
        Decide("GET", "/api/patients/{patientId}/timeline", clinician, consent: false).ShouldBe(403);
    }

    [Fact]
    public void A_read_write_consent_lets_a_clinician_add_notes_and_retract_entries_and_nothing_more()
    {
        var clinician = As(Roles.Clinician, "dr-lee");
        foreach (var scope in new[] { ConsentScopes.Read, ConsentScopes.LegacyReadAndAcknowledge })
        {
            Decide("POST", AccessRules.NotesRoute, clinician, scope).ShouldBe(403);
            Decide("POST", AccessRules.RetractionRoute, clinician, scope).ShouldBe(403);
            Decide("GET", "/api/patients/{patientId}/fhir", clinician, scope).ShouldBeNull();
        }

        Decide("POST", AccessRules.NotesRoute, clinician, ConsentScopes.ReadWrite).ShouldBeNull();
        Decide("POST", AccessRules.RetractionRoute, clinician, ConsentScopes.ReadWrite).ShouldBeNull();
        Decide("POST", "/api/patients/{patientId}/episodes", clinician, ConsentScopes.ReadWrite).ShouldBe(403);
        Decide("POST", AccessRules.ErasureRoute, clinician, ConsentScopes.ReadWrite).ShouldBe(403);
        Decide("POST", "/api/patients/{patientId}/consents", clinician, ConsentScopes.ReadWrite).ShouldBe(403);
        Decide("POST", AccessRules.NotesRoute, clinician, (string?)null).ShouldBe(403);
    }

    [Fact]
    public void Patients_erase_their_own_record_and_write_no_clinician_notes()
    {
        Decide("POST", AccessRules.ErasureRoute, As(Roles.Patient, PatientA.ToString())).ShouldBeNull();
        Decide("POST", AccessRules.ErasureRoute, As(Roles.Patient, Guid.NewGuid().ToString())).ShouldBe(403);
        Decide("POST", AccessRules.NotesRoute, As(Roles.Patient, PatientA.ToString())).ShouldBe(403);
        Decide("POST", AccessRules.ErasureRoute, As(Roles.Operator, "ops")).ShouldBeNull();
        Decide("POST", AccessRules.RetractionRoute, As(Roles.Operator, "ops")).ShouldBeNull();
        Decide("POST", AccessRules.ErasureRoute, As(Roles.Auditor, "aud")).ShouldBe(403);
    }

    [Fact]
    public void Operators_run_the_service_and_auditors_read()
    {
        Decide("POST", "/api/admin/projections/rebuild", As(Roles.Operator, "ops")).ShouldBeNull();
        Decide("GET", "/api/patients/{patientId}", As(Roles.Operator, "ops")).ShouldBe(403);
        Decide("GET", "/api/patients/{patientId}/export", As(Roles.Auditor, "aud")).ShouldBeNull();
        Decide("GET", "/api/audit", As(Roles.Auditor, "aud")).ShouldBeNull();
        Decide("POST", "/api/patients/{patientId}/entries/{entryId}/retraction", As(Roles.Auditor, "aud")).ShouldBe(403);
        Decide("GET", "/api/audit", As(Roles.Patient, PatientA.ToString())).ShouldBe(403);
    }
}
