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
    public static AccessDecision Decide(string method, string routePattern, Caller caller, Guid? patientId, Func<string, bool> hasConsent)
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
        return routePattern switch
        {
            _ when routePattern.StartsWith("/api/admin/", StringComparison.Ordinal) => Only(caller, Roles.Operator),
            "/api/audit" => Only(caller, Roles.Auditor),
            "/api/patients" => Only(caller, Roles.Patient),
            _ when routePattern.StartsWith("/api/patients/{patientId}", StringComparison.Ordinal) => caller.Role switch
            {
                Roles.Patient when caller.PatientId == patientId => AccessDecision.Allowed,
                Roles.Patient => Deny("patients reach their own record only"),
                Roles.Clinician when !hasConsent(caller.Subject!) => Deny("the patient has not granted this clinician consent"),
                Roles.Clinician when reading || routePattern.EndsWith("/acknowledgement", StringComparison.Ordinal) => AccessDecision.Allowed,
                Roles.Clinician => Deny("clinicians read records and acknowledge alerts; they do not write entries"),
                Roles.Auditor when reading => AccessDecision.Allowed,
                Roles.Auditor => Deny("auditors read only"),
                Roles.Operator => Deny("operators run the service and do not read record contents"),
                _ => Deny("unknown role"),
            },
            _ => AccessDecision.Allowed,
        };
    }

    private static AccessDecision Only(Caller caller, string role) =>
        caller.Role == role ? AccessDecision.Allowed : Deny($"only the {role} role may do this");

    private static AccessDecision Deny(string reason) => new(403, reason);
}
