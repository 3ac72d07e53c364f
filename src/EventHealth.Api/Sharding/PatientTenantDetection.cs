using Wolverine.Http.Runtime.MultiTenancy;

namespace EventHealth.Sharding;

/// <summary>
/// Wolverine's tenant for a request: the bucket of the patient the route names (<c>{patientId}</c>), or, for an
/// enrolment, of the patient the token names. Every session Wolverine opens for the endpoint is then the bucket's, on
/// the bucket's shard, and so is every message the endpoint sends. Requests about no single patient get no tenant.
/// </summary>
public sealed class PatientTenantDetection(PatientBuckets buckets) : ITenantDetection
{
    public ValueTask<string?> DetectTenant(HttpContext context) => new(PatientOf(context) is { } patientId ? buckets.TenantOf(patientId) : null);

    public static Guid? PatientOf(HttpContext context)
    {
        if (context.Request.RouteValues.TryGetValue("patientId", out var value))
        {
            return Guid.TryParse(value?.ToString(), out var id) ? id : null;
        }

        return HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/api/patients", StringComparison.OrdinalIgnoreCase)
            ? Access.Caller.Of(context.User).PatientId
            : null;
    }

    public override string ToString() => "Tenant is the bucket of the route's patientId (or, enrolling, of the token's patient)";
}
