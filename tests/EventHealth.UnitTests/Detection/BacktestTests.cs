using System.Text.Json;
using EventHealth.Alerts;
using EventHealth.Backtest;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

/// <summary>
/// The backtest on a known history (today is 2026-03-31 in UTC; the period is March 1 to 30):
/// atrophy on the 11th, a twitch on the 12th, weakness on the 21st; live detection raised weakness-or-atrophy on the
/// 21st. A balance problem recorded on the 26th was alerted on by an hourly run and retracted later that day.
/// </summary>
public sealed class BacktestTests
{
    private static readonly DateOnly From = new(2026, 3, 1);
    private static readonly DateOnly To = new(2026, 3, 30);

    private sealed record History(RecordBuilder Record, Guid Atrophy, Guid Episode, Guid Weakness, Guid Balance, Guid WeaknessAlert, Guid BalanceAlert);

    private static DateTimeOffset On(int day, int hour) => new(2026, 3, day, hour, 0, 0, TimeSpan.Zero);

    private static History KnownHistory()
    {
        var record = new RecordBuilder().RecordingAt(On(1, 9));
        Guid Entry(int day, Func<RecordBuilder, Guid> write) => write(record.RecordingAt(On(day, 13)));

        var atrophy = Entry(11, r => r.Symptom(20, SymptomKind.MuscleAtrophy));
        var episode = Entry(12, r => r.Episode(19));
        var weakness = Entry(21, r => r.Symptom(10, SymptomKind.MuscleWeakness));
        var weaknessAlert = Guid.NewGuid();
        record.RecordingAt(On(21, 14)).Raised(new AlertRaised(weaknessAlert, "weakness-or-atrophy", 1, AlertSeverity.Urgent, "…",
            [atrophy, episode, weakness], 4, On(21, 14)));

        var balance = Entry(26, r => r.Symptom(5, SymptomKind.BalanceProblem));
        var balanceAlert = Guid.NewGuid();
        record.RecordingAt(On(26, 14)).Raised(new AlertRaised(balanceAlert, "coordination-or-balance", 1, AlertSeverity.Urgent, "…",
            [balance], 6, On(26, 14)));
        record.RecordingAt(On(26, 15)).Retract(balance);
        return new History(record, atrophy, episode, weakness, balance, weaknessAlert, balanceAlert);
    }

    private static BacktestReport Backtest(History history, params IDetectionRule[] chosen)
    {
        var rules = DetectionRules.LiveWith(chosen);
        return Backtester.Report(From, To, rules, [Backtester.Run(history.Record.PatientId, history.Record.Events, From, To, rules)]);
    }

    [Fact]
    public void The_live_rules_would_have_raised_what_was_raised_except_the_alert_on_an_entry_retracted_the_same_day()
    {
        var history = KnownHistory();
        var report = Backtest(history);

        report.WouldRaise.Count.ShouldBe(2);
        var alert = report.WouldRaise[0];
        alert.RuleId.ShouldBe("weakness-or-atrophy");
        alert.RuleVersion.ShouldBe(1);
        alert.Severity.ShouldBe(AlertSeverity.Urgent);
        alert.LocalDate.ShouldBe(new DateOnly(2026, 3, 21));
        alert.Evidence.ShouldBe([history.Atrophy, history.Episode, history.Weakness]);

        report.Raised.Select(r => (r.AlertId, r.LocalDate)).ShouldBe([(history.WeaknessAlert, new DateOnly(2026, 3, 21)), (history.BalanceAlert, new DateOnly(2026, 3, 26))]);
        // On the 25th the atrophy of the 11th has left the 14 days, so weakness-or-atrophy no longer matches and no longer
        // holds back the advisory of the section 3 note: the twitch of the 12th with the weakness of the 21st.
        var advisory = report.WouldRaise[1];
        (advisory.RuleId, advisory.Severity, advisory.LocalDate).ShouldBe(("twitching-with-warning-signs", AlertSeverity.Advisory, new DateOnly(2026, 3, 25)));
        advisory.Evidence.ShouldBe([history.Episode, history.Weakness]);

        report.Differences.ShouldBe([
            new BacktestDifference(DifferenceKind.New, history.Record.PatientId, "twitching-with-warning-signs", new DateOnly(2026, 3, 25), null, null, null),
            new BacktestDifference(DifferenceKind.Missing, history.Record.PatientId, "coordination-or-balance", null, new DateOnly(2026, 3, 26), history.BalanceAlert, null),
        ]);
        report.Summary.ShouldBe(new BacktestSummary(WouldRaise: 2, Raised: 2, Same: 1, New: 1, Missing: 1, Earlier: 0, Later: 0));
        report.Rules.Single(r => r.RuleId == "weakness-or-atrophy").ShouldBe(new BacktestRule("weakness-or-atrophy", 1, RuleStatus.Live));
    }

    [Fact]
    public void The_candidate_weakness_rule_would_have_alerted_nine_days_earlier_and_again_on_the_new_weakness()
    {
        var history = KnownHistory();
        var report = Backtest(history, new WeaknessOrAtrophy(2));

        report.WouldRaise.Select(a => (a.RuleId, a.RuleVersion, a.LocalDate)).ShouldBe([
            ("weakness-or-atrophy", 2, new DateOnly(2026, 3, 12)),
            ("weakness-or-atrophy", 2, new DateOnly(2026, 3, 21)),
            ("twitching-with-warning-signs", 1, new DateOnly(2026, 3, 25)),
        ]);
        report.WouldRaise[0].Evidence.ShouldBe([history.Atrophy, history.Episode]);
        report.WouldRaise[1].Evidence.ShouldBe([history.Atrophy, history.Episode, history.Weakness]);

        var patient = history.Record.PatientId;
        report.Differences.ShouldBe([
            new BacktestDifference(DifferenceKind.Earlier, patient, "weakness-or-atrophy", new DateOnly(2026, 3, 12), new DateOnly(2026, 3, 21), history.WeaknessAlert, -9),
            new BacktestDifference(DifferenceKind.New, patient, "weakness-or-atrophy", new DateOnly(2026, 3, 21), null, null, null),
            new BacktestDifference(DifferenceKind.New, patient, "twitching-with-warning-signs", new DateOnly(2026, 3, 25), null, null, null),
            new BacktestDifference(DifferenceKind.Missing, patient, "coordination-or-balance", null, new DateOnly(2026, 3, 26), history.BalanceAlert, null),
        ]);
        report.Summary.ShouldBe(new BacktestSummary(WouldRaise: 3, Raised: 2, Same: 0, New: 2, Missing: 1, Earlier: 1, Later: 0));
        report.Rules.Single(r => r.RuleId == "weakness-or-atrophy").Status.ShouldBe(RuleStatus.Candidate);
    }

    [Fact]
    public void An_entry_is_seen_only_from_the_day_it_was_recorded_not_the_day_it_occurred()
    {
        // Atrophy and a twitch from the 11th and 12th, synced from the phone only on the 24th: the candidate rule could
        // not have known before the 24th.
        var record = new RecordBuilder().RecordingAt(On(1, 9));
        record.RecordingAt(On(24, 8));
        record.Symptom(20, SymptomKind.MuscleAtrophy);
        record.Episode(19);
        var rules = DetectionRules.LiveWith([new WeaknessOrAtrophy(2)]);

        var report = Backtester.Report(From, To, rules, [Backtester.Run(record.PatientId, record.Events, From, To, rules)]);

        report.WouldRaise.ShouldHaveSingleItem().LocalDate.ShouldBe(new DateOnly(2026, 3, 24));
        report.Differences.ShouldHaveSingleItem().Kind.ShouldBe(DifferenceKind.New);
    }

    [Fact]
    public void The_same_input_gives_the_same_report()
    {
        var history = KnownHistory();
        var first = JsonSerializer.Serialize(Backtest(history, new WeaknessOrAtrophy(2)), JsonSetup.Options);
        var second = JsonSerializer.Serialize(Backtest(history, new WeaknessOrAtrophy(2)), JsonSetup.Options);
        second.ShouldBe(first);
    }

    [Fact]
    public void Deciding_on_the_window_of_the_longest_rule_is_deciding_on_the_whole_record()
    {
        // Two months of varied entries, retractions and zone-free days; on every day both views must decide alike.
        var random = new Random(20261124);
        var record = new RecordBuilder();
        var kinds = Enum.GetValues<SymptomKind>();
        var written = new List<Guid>();
        for (var daysAgo = 60; daysAgo >= 0; daysAgo--)
        {
            record.RecordingAt(RecordBuilder.DaysAgo(daysAgo, hour: 13));
            for (var i = random.Next(4); i > 0; i--)
            {
                written.Add(record.Episode(daysAgo, intensity: random.Next(1, 11)));
            }

            if (random.Next(5) == 0)
            {
                written.Add(record.Symptom(daysAgo, kinds[random.Next(kinds.Length)]));
            }

            if (random.Next(9) == 0)
            {
                written.Add(record.Cramp(daysAgo, severity: random.Next(5, 11)));
            }

            if (written.Count > 0 && random.Next(10) == 0)
            {
                record.Retract(written[random.Next(written.Count)]);
            }
        }

        var folder = new RecordFactsFolder(record.PatientId);
        var applied = 0;
        var alerts = new List<AlertRaised>();
        var rules = DetectionRules.Releases.Select(r => r.Rule).ToList(); // every version, retired and candidate too
        for (var daysAgo = 60; daysAgo >= 0; daysAgo--)
        {
            var day = DateOnly.FromDateTime(RecordBuilder.DaysAgo(daysAgo).UtcDateTime);
            var endOfDay = RecordBuilder.DaysAgo(daysAgo, hour: 23);
            for (; applied < record.Events.Count && record.Events[applied].Timestamp <= endOfDay; applied++)
            {
                folder.Apply(record.Events[applied]);
            }

            var whole = folder.Facts() with { Alerts = alerts.ToList() };
            var (fromWhole, matchesWhole) = DetectionDecisions.Decide(whole, endOfDay, day, rules);
            var (fromWindow, matchesWindow) = DetectionDecisions.Decide(folder.Window(day, DetectionDecisions.LongestWindowDays, alerts.ToList()), endOfDay, day, rules);

            matchesWindow.Select(Describe).ShouldBe(matchesWhole.Select(Describe));
            fromWindow.Select(a => a.AlertId).ShouldBe(fromWhole.Select(a => a.AlertId));
            alerts.AddRange(fromWhole);
        }

        alerts.ShouldNotBeEmpty(); // the record is varied enough to exercise de-duplication
    }

    private static string Describe(RuleMatch match) => $"{match.RuleId}/{match.RuleVersion}/{match.Severity}/{string.Join(",", match.Evidence)}";
}
