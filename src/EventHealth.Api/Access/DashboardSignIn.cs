using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace EventHealth.Access;

public sealed record DashboardSignInSettings
{
    public const string Section = "Auth:Dashboard";

    /// <summary>Production: the client registered with the OpenID Connect provider (<c>Auth:Authority</c>) for the dashboard.</summary>
    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    /// <summary>How long a dashboard sign-in lasts without use.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Browser sign-in for the job dashboard. The API itself takes bearer tokens only; a browser cannot send one, so the
/// dashboard (and nothing else) accepts a cookie. In production the cookie comes from an OpenID Connect sign-in at the
/// same authority that issues the API's tokens; in development, from a page that accepts a minted token
/// (<c>ops/token operator you</c>). Either way the operator role is required, and the cookie is HttpOnly, SameSite=Strict.
/// </summary>
public static class DashboardSignIn
{
    public const string CookieScheme = "dashboard";
    public const string OpenIdScheme = "dashboard-oidc";
    public const string Policy = "dashboard-operators";
    public const string SignInPath = "/ops/sign-in";
    public const string SignOutPath = "/ops/sign-out";

    public static IHostApplicationBuilder AddDashboardSignIn(this IHostApplicationBuilder builder, IdentitySettings identity)
    {
        var settings = builder.Configuration.GetSection(DashboardSignInSettings.Section).Get<DashboardSignInSettings>() ?? new DashboardSignInSettings();
        var useOpenId = identity.Authority is not null;
        if (useOpenId && settings.ClientId is null)
        {
            throw new InvalidOperationException("With Auth:Authority set, the job dashboard signs operators in through it: configure Auth:Dashboard:ClientId (and ClientSecret).");
        }

        builder.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = "eventhealth.antiforgery";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        });

        var authentication = builder.Services.AddAuthentication().AddCookie(CookieScheme, cookie =>
        {
            cookie.Cookie.Name = "eventhealth.dashboard";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Cookie.Path = "/";
            cookie.ExpireTimeSpan = settings.IdleTimeout;
            cookie.SlidingExpiration = true;
            cookie.LoginPath = SignInPath;
            // A signed-in non-operator gets a plain 403 rather than a redirect loop.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
        });

        if (useOpenId)
        {
            authentication.AddOpenIdConnect(OpenIdScheme, oidc =>
            {
                oidc.Authority = identity.Authority;
                oidc.ClientId = settings.ClientId;
                oidc.ClientSecret = settings.ClientSecret;
                oidc.ResponseType = "code";
                oidc.UsePkce = true;
                oidc.SignInScheme = CookieScheme;
                oidc.CallbackPath = "/ops/signin-oidc";
                oidc.SignedOutCallbackPath = "/ops/signout-oidc";
                oidc.MapInboundClaims = false;
                oidc.GetClaimsFromUserInfoEndpoint = true;
                oidc.TokenValidationParameters.NameClaimType = IdentitySettings.SubjectClaim;
                oidc.TokenValidationParameters.RoleClaimType = IdentitySettings.RoleClaim;
            });
        }

        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(CookieScheme)
            .RequireAuthenticatedUser()
            .RequireRole(Roles.Operator));
        if (useOpenId)
        {
            // Unauthenticated dashboard requests go straight to the provider instead of the development page.
            builder.Services.Configure<CookieAuthenticationOptions>(CookieScheme, cookie =>
                cookie.ForwardChallenge = OpenIdScheme);
        }

        return builder;
    }

    public static WebApplication MapDashboardSignIn(this WebApplication app)
    {
        var local = app.Services.GetRequiredService<IdentitySettings>().Authority is null;
        app.MapGet(SignInPath, async (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
        {
            var signedIn = await http.AuthenticateAsync(CookieScheme);
            var who = signedIn.Succeeded ? Caller.Of(signedIn.Principal!).Actor : null;
            return who is null && !local
                ? Results.Challenge(new AuthenticationProperties { RedirectUri = LocalOr(returnUrl) }, [OpenIdScheme])
                : Page(http, antiforgery, LocalOr(returnUrl), who, message: null);
        }).ExcludeFromDescription();

        if (local)
        {
            app.MapPost(SignInPath, SignInWithTokenAsync).ExcludeFromDescription().DisableAntiforgery();
        }

        app.MapPost(SignOutPath, async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.StatusCode(StatusCodes.Status400BadRequest);
            }

            await http.SignOutAsync(CookieScheme);
            return Results.Redirect(SignInPath);
        }).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    /// <summary>Development sign-in: a token minted with the local key, validated exactly as the API validates bearer tokens.</summary>
    private static async Task<IResult> SignInWithTokenAsync(HttpContext http, IAntiforgery antiforgery, IOptionsMonitor<JwtBearerOptions> bearer)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.StatusCode(StatusCodes.Status400BadRequest);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = LocalOr(form["returnUrl"]);
        var token = form["token"].ToString().Trim();
        if (token.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = token["Bearer ".Length..].Trim();
        }

        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(token, bearer.Get(JwtBearerDefaults.AuthenticationScheme).TokenValidationParameters);
        if (!validation.IsValid)
        {
            return Page(http, antiforgery, returnUrl, null, "That token is not valid here (expired, or signed with another key).", StatusCodes.Status401Unauthorized);
        }

        var caller = Caller.Of(new ClaimsPrincipal(validation.ClaimsIdentity));
        if (caller.Role != Roles.Operator)
        {
            return Page(http, antiforgery, returnUrl, null, "Only operators may open the job dashboard.", StatusCodes.Status403Forbidden);
        }

        var identity = new ClaimsIdentity(
            [new Claim(IdentitySettings.SubjectClaim, caller.Subject ?? ""), new Claim(IdentitySettings.RoleClaim, Roles.Operator)],
            CookieScheme, IdentitySettings.SubjectClaim, IdentitySettings.RoleClaim);
        await http.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(returnUrl);
    }

    private static string LocalOr(string? returnUrl) =>
        returnUrl is { Length: > 1 } url && url[0] == '/' && url[1] != '/' && url[1] != '\\' ? url : Hosting.SchedulingConfiguration.DashboardPath;

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? user, string? message, int status = StatusCodes.Status200OK)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var field = $"<input type=\"hidden\" name=\"{Encode(tokens.FormFieldName)}\" value=\"{Encode(tokens.RequestToken)}\">";
        var body = user is not null
            ? $"""
              <p>Signed in as <strong>{Encode(user)}</strong>.</p>
              <p><a href="{Hosting.SchedulingConfiguration.DashboardPath}">Open the job dashboard</a></p>
              <form method="post" action="{SignOutPath}">{field}<button type="submit">Sign out</button></form>
              """
            : $"""
              <p>Paste an operator token (<code>ops/token operator your-name</code>) to open the job dashboard.</p>
              <form method="post" action="{SignInPath}">
                {field}
                <input type="hidden" name="returnUrl" value="{Encode(returnUrl)}">
                <p><label for="token">Token</label><br><textarea id="token" name="token" rows="6" cols="80" required autocomplete="off"></textarea></p>
                <p><button type="submit">Sign in</button></p>
              </form>
              """;
        var notice = message is null ? "" : $"<p role=\"alert\" class=\"notice\">{Encode(message)}</p>";
        var html = $"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>EventHealth operators</title>
            <style>{Style}</style>
            </head><body><h1>EventHealth operators</h1>{notice}{body}</body></html>
            """;
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }

    private const string Style = "body{font-family:sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem} .notice{color:#a40000} textarea{width:100%}";

    private static string Encode(string? value) => WebUtility.HtmlEncode(value ?? "");
}
