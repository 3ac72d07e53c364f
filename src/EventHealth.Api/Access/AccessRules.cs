namespace EventHealth.Access;

/// <param name="Status">null when allowed; 401 without a valid identity; 403 when the identity may not do this.</param>
public sealed record AccessDecision(int? Status, string Reason)
{
    public static readonly AccessDecision Allowed = new(null, "allowed");
    public bool IsAllowed => Status is null;
}

/// <summary>
/// Who may do what, by role and relation. Pure: decided from the token, the route and the record's consents only,
/// never from whether the record exists, so a denial cannot reveal that a patient id is in use.
/// </summary>
public static class AccessRules
{
    /// <param name="consentScope">The scope of the clinician's consent on the record (<see cref="ConsentScopes"/>), null without one.</param>
    public static AccessDecision Decide(string method, string routePattern, Caller caller, Guid? patientId, Func<string, string?> consentScope)
    {
        if (!routePattern.StartsWith("/api/", StringComparison.Ordinal))
        {
            return AccessDecision.Allowed;
        }

        if (!caller.Authenticated)
        {
            return new AccessDecision(401, "a valid bearer token is required");
        }

        var reading = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        var clinicianWrite = HttpMethods.IsPost(method) && routePattern is NotesRoute or RetractionRoute or ExperimentsRoute or StopExperimentRoute or ConcludeExperimentRoute;
        var scope = caller.Role == Roles.Clinician && caller.Subject is { } clinician ? consentScope(clinician) : null;
        return routePattern switch
        {
            _ when routePattern.StartsWith("/api/admin/", StringComparison.Ordinal) => Only(caller, Roles.Operator),
            "/api/audit" => Only(caller, Roles.Auditor),
            "/api/patients" => Only(caller, Roles.Patient),
            _ when routePattern.StartsWith("/api/patients/{patientId}", StringComparison.Ordinal) => caller.Role switch
            {
                Roles.Patient when caller.PatientId != patientId => Deny("patients reach their own record only"),
                Roles.Patient when routePattern == NotesRoute => Deny("notes are written by clinicians; patients record details on their own entries"),
                Roles.Patient => AccessDecision.Allowed,
                Roles.Clinician when scope is null => Deny("the patient has not granted this clinician consent"),
                Roles.Clinician when reading || routePattern.EndsWith("/acknowledgement", StringComparison.Ordinal) => AccessDecision.Allowed,
                Roles.Clinician when clinicianWrite && ConsentScopes.Effective(scope) == ConsentScopes.ReadWrite => AccessDecision.Allowed,
                Roles.Clinician when clinicianWrite => Deny("adding notes, retracting entries and running experiments needs a read-write consent"),
                Roles.Clinician => Deny("clinicians read records, acknowledge alerts and, with read-write consent, add notes, retract entries and run experiments"),
                Roles.Auditor when reading => AccessDecision.Allowed,
                Roles.Auditor => Deny("auditors read only"),
                Roles.Operator when HttpMethods.IsPost(method) && routePattern is ErasureRoute or RetractionRoute => AccessDecision.Allowed,
                Roles.Operator => Deny("operators run the service and do not read record contents"),
                _ => Deny("unknown role"),
            },
            _ => AccessDecision.Allowed,
        };
    }

    /// <summary>
    /// Which entries a caller whom <see cref="Decide"/> let onto the retraction route may withdraw, decided once the
    /// entry is known: a clinician's note only by a clinician (with the read-write consent the route already required)
    /// or by an operator on the patient's documented request (the route requires its reference), never by the patient,
    /// whose retraction would mark the clinician's words entered-in-error; an operator nothing else.
    /// </summary>
    public static AccessDecision MayRetract(Caller caller, string entryKind) => (caller.Role, entryKind == Recording.EntryKinds.Note) switch
    {
        (Roles.Clinician, _) => AccessDecision.Allowed,
        (Roles.Operator, true) => AccessDecision.Allowed,
        (Roles.Operator, false) => Deny("operators retract only clinicians' notes, on the patient's documented request"),
        (_, true) => Deny("a clinician's note is retracted only by a clinician with read-write consent, or by an operator on a documented request"),
        _ => AccessDecision.Allowed,
    };

    public const string NotesRoute = "/api/patients/{patientId}/notes";
    public const string RetractionRoute = "/api/patients/{patientId}/entries/{entryId}/retraction";

    /// <summary>N-of-1 experiments: planned, stopped and concluded by the patient or a clinician with read-write consent.</summary>
    public const string ExperimentsRoute = "/api/patients/{patientId}/experiments";
    public const string StopExperimentRoute = "/api/patients/{patientId}/experiments/{experimentId}/stop";
    public const string ConcludeExperimentRoute = "/api/patients/{patientId}/experiments/{experimentId}/conclusion";

    /// <summary>Operators may erase a record on the patient's documented request (docs/erasure.md).</summary>
    public const string ErasureRoute = "/api/patients/{patientId}/erasure";

    private static AccessDecision Only(Caller caller, string role) =>
        caller.Role == role ? AccessDecision.Allowed : Deny($"only the {role} role may do this");

    private static AccessDecision Deny(string reason) => new(403, reason);
}
