using System.Net.Http.Headers;
using System.Reflection;
using System.Runtime.Loader;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;

namespace EventHealth.IntegrationTests.Http;

/// <summary>
/// A .NET developer's first day: generate a client from the served /openapi/v1.json with an independent generator
/// (NSwag), compile it as generated, and run the whole flow with it against the real host.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class GeneratedCSharpClientTests(AppFixture app)
{
    /// <summary>NSwag's usual settings for System.Text.Json on .NET 9+ (string enums by their JSON names).</summary>
    public static CSharpClientGeneratorSettings GeneratorSettings() => new()
    {
        ClassName = "EventHealthClient",
        WrapResponses = true,
        CSharpGeneratorSettings =
        {
            Namespace = "Generated",
            JsonLibrary = CSharpJsonLibrary.SystemTextJson,
            JsonLibraryVersion = 10.0m,
            JsonConverters = ["System.Text.Json.Serialization.JsonStringEnumConverter"],
            GenerateNullableReferenceTypes = true,
        },
    };

    [Fact]
    public async Task A_generated_CSharp_client_compiles_unedited_and_runs_the_whole_flow()
    {
        var json = await ContractDocument.ServedAsync(app);
        var code = new CSharpClientGenerator(await OpenApiDocument.FromJsonAsync(json), GeneratorSettings()).GenerateFile();

        var assembly = Compile(code, ContractDocument.ClientSource("CSharpFlow.cs"));
        var patientId = Guid.NewGuid();
        var clinicianId = $"clinician-{Guid.NewGuid():N}";
        var run = (Task<IReadOnlyList<string>>)assembly.GetType("CSharpFlow")!.GetMethod("RunAsync")!.Invoke(null,
        [
            app.Host.Server.BaseAddress.ToString(),
            HttpFor(TestTokens.Patient(patientId)),
            HttpFor(TestTokens.For(Roles.Clinician, clinicianId)),
            HttpFor(TestTokens.For(Roles.Operator, "ops-contract")),
            patientId,
            clinicianId,
        ])!;

        (await run).ShouldBe(
        [
            "enroll", "every entry type", "batch with each entry type", "If-Match and a stale 412", "retraction",
            "timeline (paged, atVersion)", "daily, insights, history, export", "detection run, alerts, explanation", "acknowledgement, consents",
        ]);
    }

    private HttpClient HttpFor(string token)
    {
        var http = app.Host.Server.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Compiles in-process with the platform's reference assemblies; every compiler error fails the test with its text.</summary>
    private static Assembly Compile(params string[] sources)
    {
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetFileName(path).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(path) is "netstandard.dll" or "mscorlib.dll")
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "GeneratedClient" + Guid.NewGuid().ToString("N"),
            sources.Select(source => CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
        errors.ShouldBeEmpty();
        image.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }
}
