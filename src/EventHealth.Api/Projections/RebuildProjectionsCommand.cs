using System.Text.Json;
using EventHealth.Http;
using JasperFx.CommandLine;

namespace EventHealth.Projections;

public sealed class RebuildProjectionsInput : NetCoreInput
{
    [Description("Replace live documents that differ from the rebuilt ones")]
    public bool RepairFlag { get; set; }
}

/// <summary>
/// <c>dotnet EventHealth.Api.dll rebuild-projections [--repair]</c>: the same rebuild and comparison as
/// <c>POST /api/admin/projections/rebuild</c>, from a shell. Exits non-zero when any projection differs.
/// </summary>
[Description("Rebuilds every projection from the event log and compares it with the live state", Name = "rebuild-projections")]
public sealed class RebuildProjectionsCommand : JasperFxAsyncCommand<RebuildProjectionsInput>
{
    private static readonly JsonSerializerOptions Indented = new(JsonSetup.Options)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a terminal, not a web page
    };

    public override async Task<bool> Execute(RebuildProjectionsInput input)
    {
        using var host = input.BuildHost();
        // Started, so that async projections can catch up before the comparison.
        await host.StartAsync();
        var report = await host.Services.GetRequiredService<ProjectionVerifier>().RunAsync(input.RepairFlag, CancellationToken.None);
        await host.StopAsync();

        Console.WriteLine(JsonSerializer.Serialize(report, Indented));
        return report.AllEqual;
    }
}
