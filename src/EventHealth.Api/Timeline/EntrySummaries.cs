using System.Globalization;
using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.Timeline;

/// <summary>The one-line, human description of an entry that timelines and emails show.</summary>
public static class EntrySummaries
{
    public static string Describe(IPatientEntry entry) => entry switch
    {
        TwitchEpisodeRecorded e => Join(
            $"Twitching in {Regions(e.BodyRegions)} ({Words(e.Side)})",
            $"intensity {e.Intensity}/10",
            Duration(e.DurationSeconds),
            e.Visible ? "visible" : null,
            e.Painful ? "painful" : null),
        CrampRecorded e => Join(
            $"Cramp in {Words(e.BodyRegion)}",
            $"severity {e.Severity}/10",
            Duration(e.DurationSeconds),
            e.Sudden ? "sudden" : null,
            e.DisruptedDailyActivities ? "disrupted daily activities" : null),
        TriggerReported e => Join(
            $"Trigger: {Words(e.Kind)}",
            e.Level is { } level ? $"level {level}/10" : null,
            e.Details),
        SleepLogged e => Join(
            $"Sleep, night of {e.Night.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}: {Number(e.Hours)} h",
            $"quality {e.Quality}/5",
            e.Awakenings == 1 ? "1 awakening" : $"{e.Awakenings} awakenings"),
        IntakeLogged e => "Intake: " + Join(
            e.WaterMl is { } water ? $"{water} ml water" : null,
            e.CaffeineMg is { } caffeine ? $"{caffeine} mg caffeine" : null),
        InterventionApplied e => Join(
            $"Intervention: {Words(e.Kind)}",
            e.DoseMg is { } dose ? $"{dose} mg" : null,
            e.Details),
        NeurologicalSymptomReported e => Join(
            $"Symptom: {Words(e.Kind)}" + (e.BodyRegion is { } region ? $" in {Words(region)}" : ""),
            $"severity {e.Severity}/10"),
        ClinicianNoteAdded e => $"Note from clinician {e.ClinicianId}: {e.Text}",
        _ => entry.GetType().Name,
    };

    /// <summary>"poor-sleep" → "poor sleep": the vocabulary as a person reads it.</summary>
    public static string Words(Enum value) => JsonSetup.Spelling(value).Replace('-', ' ');

    /// <summary><see cref="Words(Enum)"/> for a value of a known enum type, from a table of the type's values: no boxing
    /// and no new string for the summary every entry of a rebuild gets.</summary>
    public static string Words<TEnum>(TEnum value)
        where TEnum : struct, Enum => WordsOf<TEnum>.Words.TryGetValue(value, out var words) ? words : Words((Enum)value);

    private static class WordsOf<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly System.Collections.Frozen.FrozenDictionary<TEnum, string> Words =
            System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(Enum.GetValues<TEnum>().Distinct(), value => value, value => EntrySummaries.Words((Enum)value));
    }

    public static string Duration(int seconds) => seconds switch
    {
        < 60 => $"{seconds} s",
        < 3600 => seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds / 60} min {seconds % 60} s",
        _ => seconds % 3600 == 0 ? $"{seconds / 3600} h" : $"{seconds / 3600} h {seconds % 3600 / 60} min",
    };

    private static string Regions(IReadOnlyList<BodyRegion> regions) => regions.Count switch
    {
        1 => Words(regions[0]),
        _ => string.Join(", ", regions.Take(regions.Count - 1).Select(r => Words(r))) + " and " + Words(regions[^1]),
    };

    private static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Join(params string?[] parts) => string.Join(", ", parts.Where(p => !string.IsNullOrWhiteSpace(p)));
}
