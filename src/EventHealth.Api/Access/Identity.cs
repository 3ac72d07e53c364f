using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventHealth.Access;

public static class Roles
{
    public const string Patient = "patient";
    public const string Clinician = "clinician";
    public const string Operator = "operator";
    public const string Auditor = "auditor";

    public static readonly IReadOnlyList<string> All = [Patient, Clinician, Operator, Auditor];
}

/// <summary>Who is calling, as the token says: a role and a subject (a patient's id for patients).</summary>
public sealed record Caller(bool Authenticated, string? Role, string? Subject)
{
    public static Caller Of(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
        ? new Caller(true, user.FindFirstValue(IdentitySettings.RoleClaim), user.FindFirstValue(IdentitySettings.SubjectClaim))
        : new Caller(false, null, null);

    /// <summary>The actor stored on events and in the access audit: "role:subject", or "anonymous".</summary>
    public string Actor => Authenticated ? $"{Role}:{Subject}" : "anonymous";

    public Guid? PatientId => Role == Roles.Patient && Guid.TryParse(Subject, out var id) ? id : null;
}

public sealed record IdentitySettings
{
    public const string Section = "Auth";
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";

    /// <summary>Production: the OpenID Connect authority whose keys sign the tokens.</summary>
    public string? Authority { get; init; }

    public string Audience { get; init; } = "eventhealth-api";

    /// <summary>Development and tests: the issuer and symmetric key of locally minted tokens (never set in production).</summary>
    public string Issuer { get; init; } = "eventhealth-local";

    public string? SigningKey { get; init; }

    public SymmetricSecurityKey? LocalKey => SigningKey is { Length: >= 32 } key ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)) : null;
}

public static class IdentityConfiguration
{
    /// <summary>
    /// JWT bearer on the API. With <c>Auth:Authority</c>, tokens come from that OpenID Connect provider; otherwise
    /// from the local signing key (<c>Auth:SigningKey</c>, development and tests), minted by <c>mint-token</c>.
    /// </summary>
    public static IHostApplicationBuilder AddIdentity(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(IdentitySettings.Section).Get<IdentitySettings>() ?? new IdentitySettings();
        if (settings.Authority is null && settings.LocalKey is null)
        {
            throw new InvalidOperationException("Configure Auth:Authority (OpenID Connect) or, outside production, Auth:SigningKey (at least 32 characters).");
        }

        if (builder.Environment.IsProduction() && settings.Authority is null)
        {
            // A key in configuration can mint any role's token, operator included; production trusts only its identity provider.
            throw new InvalidOperationException("A production host takes its tokens from an OpenID Connect provider: set Auth:Authority. "
                + "A local signing key (Auth:SigningKey) is for development and tests only.");
        }

        builder.Services.AddSingleton(settings);
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            jwt.Audience = settings.Audience;
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateAudience = true,
                ValidAudience = settings.Audience,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                NameClaimType = IdentitySettings.SubjectClaim,
                RoleClaimType = IdentitySettings.RoleClaim,
            };
            if (settings.Authority is { } authority)
            {
                jwt.Authority = authority;
            }
            else
            {
                jwt.TokenValidationParameters.ValidIssuer = settings.Issuer;
                jwt.TokenValidationParameters.IssuerSigningKey = settings.LocalKey;
            }
        });
        builder.Services.AddAuthorization();
        builder.AddDashboardSignIn(settings);
        return builder;
    }

    /// <summary>A token signed with the local key, for development, tests and the <c>mint-token</c> verb.</summary>
    public static string MintLocalToken(IdentitySettings settings, string role, string subject, DateTimeOffset now, TimeSpan lifetime, string? audience = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = audience ?? settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime.AddMinutes(-1),
            Expires = now.UtcDateTime.Add(lifetime),
            Claims = new Dictionary<string, object> { [IdentitySettings.SubjectClaim] = subject, [IdentitySettings.RoleClaim] = role },
            SigningCredentials = new SigningCredentials(settings.LocalKey ?? throw new InvalidOperationException("No Auth:SigningKey configured."), SecurityAlgorithms.HmacSha256),
        });
}
