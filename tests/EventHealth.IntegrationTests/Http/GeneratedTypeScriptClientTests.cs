using System.Diagnostics;
using System.Text.Json;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// A TypeScript developer's first day: types generated from the served document by openapi-typescript, the
/// openapi-fetch client, the whole flow type-checked with tsc --strict and run with node against the real host; and
/// Redocly's linter over the same document. The tools are the ones ops/test installs into .tools/.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GeneratedTypeScriptClientTests(AppFixture app) : IDisposable
{
    private readonly DirectoryInfo work = Directory.CreateTempSubdirectory("eventhealth-ts-");

    private static string NodeModules =>
        Environment.GetEnvironmentVariable("EVENTHEALTH_NODE_MODULES") is { } path && Directory.Exists(path)
            ? path
            : throw new InvalidOperationException("EVENTHEALTH_NODE_MODULES is not set: run the tests through ops/test, which installs the client tools.");

    [Fact]
    public async Task A_generated_TypeScript_client_type_checks_in_strict_mode_and_runs_the_whole_flow()
    {
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "openapi.json"), await ContractDocument.ServedAsync(app));
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "flow.ts"), ContractDocument.ClientSource("TsFlow.ts"));
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "package.json"), """{ "type": "module" }""");
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "tsconfig.json"), """
            { "compilerOptions": { "strict": true, "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
                "lib": ["es2022", "dom"], "types": ["node"], "skipLibCheck": true, "outDir": "out" }, "files": ["flow.ts"] }
            """);
        Directory.CreateSymbolicLink(Path.Combine(work.FullName, "node_modules"), NodeModules);

        await NodeAsync("node_modules/openapi-typescript/bin/cli.js", "openapi.json", "-o", "schema.d.ts");
        await NodeAsync("node_modules/typescript/bin/tsc", "-p", ".");

        await using var proxy = await BrowserGateway.StartAsync(app.Host.Server);
        var patientId = Guid.NewGuid();
        var clinicianId = $"clinician-{Guid.NewGuid():N}";
        var output = await NodeAsync("out/flow.js", proxy.Address.ToString().TrimEnd('/'),
            TestTokens.Patient(patientId), TestTokens.For(Roles.Clinician, clinicianId), TestTokens.For(Roles.Operator, "ops-contract-ts"),
            patientId.ToString(), clinicianId);

        JsonSerializer.Deserialize<string[]>(output.Trim().Split('\n')[^1]).ShouldBe(
        [
            "enroll", "every entry type", "batch with each entry type", "If-Match and a stale 412", "retraction",
            "timeline (paged, atVersion)", "daily, insights, history, export", "detection run, alerts, explanation", "acknowledgement, consents",
        ]);
    }

    [Fact]
    public async Task Redocly_lints_the_served_document_without_errors()
    {
        await File.WriteAllTextAsync(Path.Combine(work.FullName, "openapi.json"), await ContractDocument.ServedAsync(app));
        var config = Path.Combine(Repository.Root, "ops", "redocly.yaml");
        var output = await NodeAsync(Path.Combine(NodeModules, "@redocly", "cli", "bin", "cli.js"), "lint", "openapi.json", "--config", config, "--format", "stylish");
        output.ShouldNotContain(" error ");
    }

    /// <summary>Runs node in the work folder; a non-zero exit fails the test with everything the tool printed.</summary>
    private async Task<string> NodeAsync(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = work.FullName, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var printed = await stdout + await stderr;
        process.ExitCode.ShouldBe(0, $"node {script} {string.Join(' ', arguments.Take(2))}:\n{printed}");
        return await stdout;
    }

    public void Dispose()
    {
        // The link first, on its own: a recursive delete must never reach the shared .tools/node_modules.
        var link = new DirectoryInfo(Path.Combine(work.FullName, "node_modules"));
        if (link.LinkTarget is not null)
        {
            link.Delete();
        }

        work.Delete(recursive: true);
    }
}
