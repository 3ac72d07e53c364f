using EventHealth.Alerts;
using EventHealth.Recording;

namespace EventHealth.Detection.Rules;

/// <summary>
/// The note under the article's table (section 3): twitching accompanied by weakness, severe cramping or difficulty
/// walking is a reason to consult a doctor. At least one twitch episode in the latest 14 days, and muscle-weakness,
/// difficulty-walking or a cramp of severity ≥ 7 in the latest 7 days. Advisory: the urgent rules that read the same
/// signs more strictly take precedence (<see cref="GivesWayTo"/>), and speech issues are already urgent under
/// neurological-symptoms.
/// </summary>
public sealed class TwitchingWithWarningSigns : IDetectionRule
{
    public const int SevereCrampFrom = 7;
    public const int TwitchingDays = 14;
    public const int SignDays = 7;

    public string RuleId => "twitching-with-warning-signs";
    public int Version => 1;
    public string Criterion => "If twitching is accompanied by weakness, severe cramping, difficulty walking, or speech issues, a doctor should be consulted to rule out other neurological conditions.";
    public string PlainWords => "Twitching in the last two weeks, together with muscle weakness, difficulty walking or a severe cramp (7/10 or more) in the last seven days.";

    /// <summary>When one of these matches in the same evaluation, it says more than this advisory would: only it alerts.</summary>
    public IReadOnlyCollection<string> GivesWayTo { get; } = ["weakness-or-atrophy", "worsening-affecting-mobility", "sudden-severe-cramps"];

    public RuleMatch? Evaluate(RecordFacts facts, DateOnly today)
    {
        var episodes = Signals.Episodes(facts, today, TwitchingDays);
        if (episodes.Count == 0)
        {
            return null;
        }

        var signs = Signals.Symptoms(facts, today, SignDays, SymptomKind.MuscleWeakness, SymptomKind.DifficultyWalking);
        signs.AddRange(facts.Within<CrampRecorded>(today, SignDays).Where(f => f.Entry is CrampRecorded { Severity: >= SevereCrampFrom }));
        return signs.Count > 0
            ? new RuleMatch(RuleId, Version, AlertSeverity.Advisory, Criterion, Signals.Evidence(signs, episodes))
            : null;
    }
}
