using EventHealth.Alerts;
using EventHealth.Detection;
using EventHealth.Detection.Rules;
using EventHealth.Fhir;
using EventHealth.Recording;

namespace EventHealth.UnitTests.Detection;

/// <summary>
/// The article's section 3 note: twitching (latest 14 days) accompanied by weakness, difficulty walking or a severe
/// cramp (latest 7 days) is advisory, unless an urgent rule reading the same signs matches in the same evaluation.
/// </summary>
public sealed class TwitchingWithWarningSignsTests
{
    private const string RuleId = "twitching-with-warning-signs";
    private static readonly TwitchingWithWarningSigns Rule = new();

    /// <summary>The live set with worsening version 3, whatever its status: the suppression follows the set evaluated.</summary>
    private static readonly IReadOnlyList<IDetectionRule> RuleSet = DetectionRules.LiveWith([new WorseningAffectingMobility(3), new WorseningTrend(3)]);

    private static RuleMatch? Run(RecordBuilder record) => Rule.Evaluate(record.Facts(), record.Facts().Today(RecordBuilder.Now));

    private static List<string> Matched(RecordBuilder record) =>
        DetectionDecisions.Matches(record.Facts(), record.Facts().Today(RecordBuilder.Now), RuleSet).Select(m => m.RuleId).ToList();

    public static TheoryData<string> Signs => ["muscle-weakness", "difficulty-walking", "severe-cramp"];

    private static Guid Sign(RecordBuilder record, string sign, int daysAgo, int crampSeverity = 7) => sign switch
    {
        "muscle-weakness" => record.Symptom(daysAgo, SymptomKind.MuscleWeakness),
        "difficulty-walking" => record.Symptom(daysAgo, SymptomKind.DifficultyWalking),
        _ => record.Cramp(daysAgo, crampSeverity, sudden: false, disrupted: false),
    };

    [Theory]
    [MemberData(nameof(Signs))]
    public void Each_sign_in_the_latest_7_days_with_twitching_in_the_latest_14_is_advisory(string sign)
    {
        var record = new RecordBuilder();
        var episode = record.Episode(13);
        var warning = Sign(record, sign, 6);

        var match = Run(record).ShouldNotBeNull();
        match.Severity.ShouldBe(AlertSeverity.Advisory);
        match.Evidence.ShouldBe([episode, warning]);
        Matched(record).ShouldBe([RuleId]); // and no other rule: this is the only alert
    }

    [Theory]
    [MemberData(nameof(Signs))]
    public void A_sign_on_D_7_is_outside_the_7_days(string sign)
    {
        var record = new RecordBuilder();
        record.Episode(1);
        Sign(record, sign, 7);
        Run(record).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Signs))]
    public void A_sign_without_twitching_in_the_latest_14_days_is_not_this_rule(string sign)
    {
        var record = new RecordBuilder();
        record.Episode(14); // the 15th day back
        Sign(record, sign, 1);
        Run(record).ShouldBeNull();
    }

    [Fact]
    public void A_cramp_below_severity_7_is_not_a_warning_sign()
    {
        var record = new RecordBuilder();
        record.Episode(1);
        Sign(record, "severe-cramp", 1, crampSeverity: 6);
        Run(record).ShouldBeNull();
    }

    [Fact]
    public void Weakness_or_atrophy_matching_suppresses_it()
    {
        var record = new RecordBuilder();
        record.Episode(3);
        record.Symptom(5, SymptomKind.MuscleWeakness);
        Run(record).ShouldNotBeNull();
        Matched(record).ShouldBe([RuleId]); // weakness on one day: only the advisory

        record.Symptom(2, SymptomKind.MuscleWeakness);
        Matched(record).ShouldBe(["weakness-or-atrophy"]);
    }

    [Fact]
    public void Sudden_severe_cramps_matching_suppresses_it()
    {
        var record = new RecordBuilder();
        record.Episode(3);
        record.Cramp(2, 8, sudden: true, disrupted: false);
        Matched(record).ShouldBe([RuleId]);

        record.Cramp(1, 8, sudden: true, disrupted: true);
        Matched(record).ShouldBe(["sudden-severe-cramps"]);
    }

    [Fact]
    public void Worsening_affecting_mobility_matching_suppresses_it()
    {
        var record = new RecordBuilder();
        foreach (var day in new[] { 27, 24, 20, 16 })
        {
            record.Episode(day);
        }

        foreach (var day in new[] { 13, 12, 11, 9, 8 })
        {
            record.Episode(day);
        }

        record.Symptom(2, SymptomKind.DifficultyWalking);
        Matched(record).ShouldBe([RuleId]); // 5 episodes in the latest half: not worsening

        record.Episode(1);
        Matched(record).ShouldBe(["worsening-affecting-mobility"]);
    }

    [Fact]
    public void It_is_live_emailed_in_plain_words_with_the_articles_words_and_exported_with_its_rule_code()
    {
        DetectionRules.FindRelease(RuleId, 1)!.Status.ShouldBe(RuleStatus.Live);
        var record = new RecordBuilder("Pacific/Auckland");
        record.Episode(4);
        record.Symptom(2, SymptomKind.MuscleWeakness);
        var facts = record.Facts();
        var alert = DetectionDecisions.Evaluate(facts, RecordBuilder.Now).Alerts.ShouldHaveSingleItem();
        var patient = new PatientRecord
        {
            Id = record.PatientId, DisplayName = "Ana", Email = "ana@example.org", TimeZone = "Pacific/Auckland", AlertEmails = true, EnrollmentFingerprint = "x",
        };

        var message = AlertEmail.Compose(patient, alert, facts, "ana@example.org");
        message.Subject.ShouldBe("EventHealth advisory: twitching with weakness, a severe cramp or difficulty walking");
        message.TextBody!.ShouldContain("What we noticed: Twitching in the last two weeks, together with muscle weakness, difficulty walking or a severe cramp (7/10 or more) in the last seven days.");
        message.TextBody!.ShouldContain("The article says: \"If twitching is accompanied by weakness, severe cramping, difficulty walking, or speech issues");
        message.TextBody!.ShouldContain("How soon: advisory.");

        var code = FhirCodes.RuleCode(alert).Coding.ShouldHaveSingleItem();
        (code.System, code.Code, code.Display).ShouldBe((FhirCodes.Rule, RuleId, "twitching-with-warning-signs v1"));
    }

    [Fact]
    public void Rules_that_do_not_read_these_signs_do_not_suppress_it()
    {
        var record = new RecordBuilder();
        record.Episode(3);
        record.Symptom(2, SymptomKind.DifficultyWalking);
        record.Symptom(1, SymptomKind.BalanceProblem);
        Matched(record).ShouldBe(["coordination-or-balance", RuleId], ignoreOrder: true);
    }
}
