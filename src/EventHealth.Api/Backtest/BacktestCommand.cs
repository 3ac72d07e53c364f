using System.Globalization;
using System.Text.Json;
using EventHealth.Detection;
using EventHealth.Http;
using JasperFx.CommandLine;

namespace EventHealth.Backtest;

public sealed class BacktestInput : NetCoreInput
{
    [Description("First local day of the period (yyyy-MM-dd)")]
    public string From { get; set; } = "";

    [Description("Last local day of the period (yyyy-MM-dd), a day that is over in every time zone")]
    public string To { get; set; } = "";

    [Description("A rule version in place of the live one, as ruleId:version (repeatable)")]
    public List<string> RuleFlag { get; set; } = [];

    [Description("Write the report to this file instead of standard output")]
    public string? OutFlag { get; set; }
}

/// <summary>
/// <c>dotnet EventHealth.Api.dll backtest 2026-01-01 2026-03-31 [--rule weakness-or-atrophy:2] [--out report.json]</c>:
/// the same backtest as <c>POST /api/admin/detection/backtest</c>, from a shell, with the same validation.
/// </summary>
[Description("Backtests detection rule versions over every record's past and compares with the alerts raised", Name = "backtest")]
public sealed class BacktestCommand : JasperFxAsyncCommand<BacktestInput>
{
    private static readonly JsonSerializerOptions Indented = new(JsonSetup.Options) { WriteIndented = true };

    public override async Task<bool> Execute(BacktestInput input)
    {
        var choices = input.RuleFlag.Select(Choice).ToList();
        var request = new RunBacktest(Day(input.From), Day(input.To), choices, null);
        using var host = input.BuildHost();
        var problem = RunBacktestEndpoint.Validate(request, host.Services.GetRequiredService<TimeProvider>());
        if (problem is HttpValidationProblemDetails invalid)
        {
            foreach (var (field, messages) in invalid.Errors)
            {
                await Console.Error.WriteLineAsync($"{field}: {string.Join("; ", messages)}");
            }

            return false;
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var report = await host.Services.GetRequiredService<BacktestRunner>().RunAsync(request.From!.Value, request.To!.Value, request.RuleSet(), null, CancellationToken.None);
        var seconds = stopwatch.Elapsed.TotalSeconds;
        var json = JsonSerializer.Serialize(report, Indented);
        if (input.OutFlag is { } path)
        {
            await File.WriteAllTextAsync(path, json);
            Console.WriteLine($"{report.Records} records, {report.Events} events, {report.Evaluations} evaluations: " +
                $"would raise {report.Summary.WouldRaise}, raised {report.Summary.Raised}, new {report.Summary.New}, missing {report.Summary.Missing}, " +
                $"earlier {report.Summary.Earlier}, later {report.Summary.Later}; {seconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
        }
        else
        {
            Console.WriteLine(json);
        }

        return true;
    }

    private static DateOnly? Day(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static RuleVersionChoice Choice(string text)
    {
        var parts = text.Split(':', 2);
        return new RuleVersionChoice(parts[0], parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var version) ? version : null);
    }
}

public static class BacktestConfiguration
{
    public static IHostApplicationBuilder AddBacktest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BacktestRunner>();
        return builder;
    }
}
