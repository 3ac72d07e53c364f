using System.Net;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Access;

/// <summary>
/// A production host takes its tokens only from an OpenID Connect provider: a local signing key could mint any role's
/// token, operator included. The real host is booted with one configuration in two environments, so the environment is
/// shown to be what decides. And the compose file, the one way this repository runs production, runs it that way.
/// </summary>
[Collection(SeparateHostsCollection.Name)]
public sealed class ProductionIdentityTests
{
    private const string LocalKey = "separate-host-signing-key-not-a-secret-0123456789";

    [Fact]
    public async Task A_production_host_with_only_a_local_signing_key_refuses_to_start_naming_Auth_Authority()
    {
        await using var host = await SeparateHost.CreateAsync("Production", ("Auth:SigningKey", LocalKey));

        var refused = Should.Throw<InvalidOperationException>(() => host.StartServer());

        refused.Message.ShouldContain("set Auth:Authority", Case.Sensitive);
    }

    [Fact]
    public async Task The_same_configuration_starts_in_Testing_and_accepts_tokens_signed_with_the_local_key()
    {
        await using var host = await SeparateHost.CreateAsync("Testing", ("Auth:SigningKey", LocalKey));
        var patientId = Guid.NewGuid();
        var token = IdentityConfiguration.MintLocalToken(new IdentitySettings { SigningKey = LocalKey }, Roles.Patient, patientId.ToString(),
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));

        using var client = host.Client(token);
        using var enrolled = await client.PostAsync("/api/patients", Records.JsonContent(Records.Enrollment(patientId)));

        enrolled.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public void Docker_compose_runs_the_API_in_Production_publishing_ports_on_loopback_only()
    {
        var services = ComposeServices(File.ReadAllLines(Path.Combine(Repository.Root, "docker-compose.yml")));

        services.Keys.ShouldContain("api");
        services["api"].ShouldContain("ASPNETCORE_ENVIRONMENT: Production");
        Published(services["api"]).ShouldNotBeEmpty();
        foreach (var (name, lines) in services)
        {
            lines.Where(line => line.StartsWith("ASPNETCORE_ENVIRONMENT:", StringComparison.Ordinal))
                .ShouldAllBe(line => line == "ASPNETCORE_ENVIRONMENT: Production", name);
            lines.ShouldNotContain(line => line.Contains("SigningKey", StringComparison.OrdinalIgnoreCase), name);
            lines.ShouldNotContain(line => line.StartsWith("network_mode: host", StringComparison.Ordinal), name);
            // Short syntax only ("host-ip:host-port:container-port"); anything else is refused rather than guessed at.
            Published(lines).ShouldAllBe(port => port.StartsWith("127.0.0.1:", StringComparison.Ordinal) && port.Split(':').Length == 3, name);
        }
    }

    /// <summary>Each service of the compose file: its name and its lines, trimmed, comments and blank lines left out.</summary>
    internal static Dictionary<string, List<string>> ComposeServices(string[] file)
    {
        var services = new Dictionary<string, List<string>>();
        var inServices = false;
        List<string>? current = null;
        foreach (var raw in file)
        {
            var text = StripComment(raw);
            if (text.Trim().Length == 0)
            {
                continue;
            }

            var indent = text.Length - text.TrimStart().Length;
            if (indent == 0)
            {
                inServices = text.Trim() == "services:";
                current = null;
            }
            else if (inServices && indent == 2)
            {
                current = services[text.Trim().TrimEnd(':')] = [];
            }
            else
            {
                current?.Add(text.Trim());
            }
        }

        return services;
    }

    /// <summary>The entries of a service's <c>ports:</c> list, unquoted.</summary>
    internal static List<string> Published(List<string> service) =>
        service.SkipWhile(line => line != "ports:").Skip(1)
            .TakeWhile(line => line.StartsWith('-'))
            .Select(line => line.TrimStart('-', ' ').Trim('"', '\''))
            .ToList();

    private static string StripComment(string line)
    {
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] is '"' or '\'')
            {
                quoted = !quoted;
            }
            else if (line[i] == '#' && !quoted && (i == 0 || char.IsWhiteSpace(line[i - 1])))
            {
                return line[..i].TrimEnd();
            }
        }

        return line.TrimEnd();
    }
}
