// Backtest of worsening version 3 against version 2 (issue 18) over a generated corpus of five kinds of diary.
// Version 2's would-be alerts stand for "what was raised"; version 3's are compared with them by the backtest's own
// pairing (Backtester.Report: new, missing, earlier, later). Pure replay, no database: the backtest verb reads the same
// events from PostgreSQL and hands them to the same Backtester (its cost is measured by ops/bench/backtest).
// Usage: ops/bench/worsening-v3 [records per kind] [output directory]
using System.Globalization;
using System.Text.Json;
using EventHealth.Backtest;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Http;
using EventHealth.WorseningBacktest;

var perKind = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 240;
var output = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "eventhealth-worsening-v3");
Directory.CreateDirectory(output);

// The history ends two days before a fixed "today", so every day is closed; the period leaves room for the warm-up.
var historyStart = new DateOnly(2026, 5, 1);
var historyEnd = new DateOnly(2026, 8, 31);
var from = new DateOnly(2026, 7, 1);
var to = historyEnd;
const int Seed = 18;

var version2 = DetectionRules.LiveWith([new WorseningAffectingMobility(2), new WorseningTrend(2)]);
var version3 = DetectionRules.LiveWith([new WorseningAffectingMobility(3), new WorseningTrend(3)]);

var records = new Corpus(Seed, historyStart, historyEnd).Records(perKind).ToList();
await using (var corpus = new StreamWriter(Path.Combine(output, "corpus.jsonl")))
{
    foreach (var record in records)
    {
        foreach (var @event in record.Events)
        {
            await corpus.WriteLineAsync(JsonSerializer.Serialize(new
            {
                patientId = record.PatientId,
                diary = record.Kind.ToString(),
                version = @event.Version,
                recordedAt = @event.Timestamp,
                type = @event.EventType.Name,
                data = @event.Data,
            }, JsonSetup.Options));
        }
    }
}

var started = System.Diagnostics.Stopwatch.StartNew();
var parts = records.AsParallel().AsOrdered().Select(record =>
{
    var asRaised = Backtester.Run(record.PatientId, record.Events, from, to, version2);
    var candidate = Backtester.Run(record.PatientId, record.Events, from, to, version3);
    var raised = asRaised.WouldRaise.Select(a => new RaisedAlert(a.PatientId,
        DetectionDecisions.AlertId(a.PatientId, a.RuleId, a.EvaluatedThroughVersion), a.RuleId, a.RuleVersion, a.Severity,
        a.LocalDate, a.EvaluatedAt, a.Evidence)).ToList();
    return (Record: record, Part: candidate with { Raised = raised });
}).ToList();
var report = Backtester.Report(from, to, version3, parts.Select(p => p.Part));
var seconds = started.Elapsed.TotalSeconds;
await File.WriteAllTextAsync(Path.Combine(output, "report.json"), JsonSerializer.Serialize(report, JsonSetup.Options));

static bool IsWorsening(string ruleId) => ruleId is "worsening-affecting-mobility" or "worsening-trend";

var kinds = Enum.GetValues<DiaryKind>();
var byPatient = parts.ToDictionary(p => p.Record.PatientId);
Console.WriteLine($"Corpus: {records.Count} records ({perKind} of each kind), {records.Sum(r => r.Events.Count):N0} events, seed {Seed}, history {historyStart:yyyy-MM-dd} to {historyEnd:yyyy-MM-dd}; period backtested {from:yyyy-MM-dd} to {to:yyyy-MM-dd}; replayed twice in {seconds:0.0} s. Files: {output}/corpus.jsonl, {output}/report.json");
Console.WriteLine();
Console.WriteLine("| rule | alerts under v2 | alerts under v3 | same | new | missing | earlier | later |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
foreach (var rule in new[] { "worsening-affecting-mobility", "worsening-trend" })
{
    int Count(DifferenceKind kind) => report.Differences.Count(d => d.RuleId == rule && d.Kind == kind);
    var v2 = report.Raised.Count(r => r.RuleId == rule);
    var v3 = report.WouldRaise.Count(w => w.RuleId == rule);
    Console.WriteLine($"| `{rule}` | {v2} | {v3} | {v3 - Count(DifferenceKind.New) - Count(DifferenceKind.Earlier) - Count(DifferenceKind.Later)} | {Count(DifferenceKind.New)} | {Count(DifferenceKind.Missing)} | {Count(DifferenceKind.Earlier)} | {Count(DifferenceKind.Later)} |");
}

var otherDifferences = report.Differences.Count(d => !IsWorsening(d.RuleId));
Console.WriteLine();
Console.WriteLine($"Differences in other rules: {otherDifferences} (the other rules are the same versions in both sets).");
Console.WriteLine();
Console.WriteLine("| diary | records | with a worsening alert under v2 | under v3 | with any alert under v2 | under v3 |");
Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
foreach (var kind in kinds)
{
    var ofKind = parts.Where(p => p.Record.Kind == kind).ToList();
    int With(Func<(CorpusRecord Record, RecordBacktest Part), bool> alerted) => ofKind.Count(alerted);
    Console.WriteLine($"| {kind} | {ofKind.Count} | {With(p => p.Part.Raised.Any(r => IsWorsening(r.RuleId)))} | {With(p => p.Part.WouldRaise.Any(w => IsWorsening(w.RuleId)))} | {With(p => p.Part.Raised.Count > 0)} | {With(p => p.Part.WouldRaise.Count > 0)} |");
}

var benign = parts.Where(p => p.Record.Kind != DiaryKind.RealWorsening).ToList();
Console.WriteLine();
Console.WriteLine($"Benign records (first four kinds): {benign.Count}; with a worsening alert under v2: {benign.Count(p => p.Part.Raised.Any(r => IsWorsening(r.RuleId)))}, under v3: {benign.Count(p => p.Part.WouldRaise.Any(w => IsWorsening(w.RuleId)))}.");

// Real worsening whose onset leaves at least 21 days in the period: how soon after onset each version first alerts.
var worsening = parts.Where(p => p.Record.Kind == DiaryKind.RealWorsening && p.Record.WorseningOnset is { } onset && onset.AddDays(21) <= to).ToList();
foreach (var style in new[] { true, false })
{
    var ofStyle = worsening.Where(p => p.Record.TwitchingDaysOnly == style).ToList();
    var v2Days = ofStyle.Select(p => p.Part.Raised.Where(r => IsWorsening(r.RuleId) && r.LocalDate >= p.Record.WorseningOnset).Select(r => r.LocalDate).ToList()).ToList();
    var v3Days = ofStyle.Select(p => p.Part.WouldRaise.Where(w => IsWorsening(w.RuleId) && w.LocalDate >= p.Record.WorseningOnset).Select(w => w.LocalDate).ToList()).ToList();
    static string Median(List<int> values) => values.Count == 0 ? "-" : values.Order().ElementAt(values.Count / 2).ToString(CultureInfo.InvariantCulture);
    var v2Delays = ofStyle.Zip(v2Days).Where(x => x.Second.Count > 0).Select(x => x.Second.Min().DayNumber - x.First.Record.WorseningOnset!.Value.DayNumber).ToList();
    var v3Delays = ofStyle.Zip(v3Days).Where(x => x.Second.Count > 0).Select(x => x.Second.Min().DayNumber - x.First.Record.WorseningOnset!.Value.DayNumber).ToList();
    Console.WriteLine($"Real worsening, {(style ? "diaries of twitching days only" : "diaries of every day")}, onset at least 21 days before the period's end: {ofStyle.Count}; alerted after onset under v2: {v2Delays.Count} (median {Median(v2Delays)} days after onset), under v3: {v3Delays.Count} (median {Median(v3Delays)} days).");
}
