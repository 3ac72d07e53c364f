using System.Text.Json;
using System.Text.RegularExpressions;
using EventHealth.Access;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Bearer tokens for tests, minted with the test host's local key (or deliberately wrong ones).</summary>
public static partial class TestTokens
{
    public static readonly IdentitySettings Settings = new()
    {
        Issuer = "eventhealth-tests",
        Audience = "eventhealth-api",
        SigningKey = "integration-tests-signing-key-not-a-secret-0123456789",
    };

    public static string For(string role, string subject, TimeSpan? lifetime = null, string? audience = null, IdentitySettings? signWith = null) =>
        IdentityConfiguration.MintLocalToken(signWith ?? Settings, role, subject, DateTimeOffset.UtcNow, lifetime ?? TimeSpan.FromMinutes(30), audience);

    public static string Patient(Guid patientId) => For(Roles.Patient, patientId.ToString());

    public static string Expired(string role, string subject) =>
        IdentityConfiguration.MintLocalToken(Settings, role, subject, DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromMinutes(30));

    public static string WrongSignature(string role, string subject) =>
        For(role, subject, signWith: Settings with { SigningKey = "some-other-key-that-is-long-enough-0123456789" });

    /// <summary>
    /// The rightful caller of a request, for tests that are not about access: the patient whose record the path (or,
    /// for enrollment, the body) names; the operator for admin routes; the auditor for the access audit.
    /// </summary>
    public static string? RightfulFor(string method, string path, string? body)
    {
        if (path.StartsWith("/api/admin/", StringComparison.Ordinal))
        {
            return For(Roles.Operator, "ops-1");
        }

        if (path.StartsWith("/api/audit", StringComparison.Ordinal))
        {
            return For(Roles.Auditor, "auditor-1");
        }

        if (PatientPath().Match(path) is { Success: true } match && Guid.TryParse(match.Groups["id"].Value, out var patientId))
        {
            return Patient(patientId);
        }

        if (method == "POST" && path == "/api/patients")
        {
            return Patient(EnrollingPatient(body) ?? Guid.NewGuid());
        }

        return null;
    }

    private static Guid? EnrollingPatient(string? body)
    {
        try
        {
            return body is not null && JsonDocument.Parse(body).RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("patientId", out var id) && id.ValueKind == JsonValueKind.String && id.TryGetGuid(out var guid) ? guid : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Hostile bodies (broken JSON, unpaired surrogates) get no rightful caller; the API refuses them anyway.
            return null;
        }
    }

    [GeneratedRegex("^/api/patients/(?<id>[^/?]+)")]
    private static partial Regex PatientPath();
}
