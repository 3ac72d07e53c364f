using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using EventHealth.Http;
using EventHealth.Recording;

namespace EventHealth.Timeline;

/// <summary>The one-line, human description of an entry that timelines and emails show.</summary>
public static class EntrySummaries
{
    /// <remarks>Written part by part into one buffer, ", " between the parts and blank ones left out: a rebuild describes
    /// every entry of every record, and a string per part, joined, was about 7% of all it allocated (docs/benchmarks.md,
    /// issue 23's twenty-third pass). Numbers are written as the invariant culture writes them.</remarks>
    public static string Describe(IPatientEntry entry)
    {
        if (entry is ClinicianNoteAdded note)
        {
            return $"Note from clinician {note.ClinicianId}: {note.Text}";
        }

        var line = new Line(stackalloc char[256]);
        switch (entry)
        {
            case TwitchEpisodeRecorded e:
                line.Part("Twitching in ");
                Regions(ref line, e.BodyRegions);
                line.Append(" (").Append(Words(e.Side)).Append(")");
                line.Part("intensity ").Append(e.Intensity).Append("/10");
                Duration(ref line.Part(), e.DurationSeconds);
                line.PartIf(e.Visible, "visible").PartIf(e.Painful, "painful");
                break;
            case CrampRecorded e:
                line.Part("Cramp in ").Append(Words(e.BodyRegion));
                line.Part("severity ").Append(e.Severity).Append("/10");
                Duration(ref line.Part(), e.DurationSeconds);
                line.PartIf(e.Sudden, "sudden").PartIf(e.DisruptedDailyActivities, "disrupted daily activities");
                break;
            case TriggerReported e:
                line.Part("Trigger: ").Append(Words(e.Kind));
                if (e.Level is { } level)
                {
                    line.Part("level ").Append(level).Append("/10");
                }

                line.PartUnlessBlank(e.Details);
                break;
            case SleepLogged e:
                line.Part("Sleep, night of ").Append(e.Night, "yyyy-MM-dd").Append(": ").Append(e.Hours, "0.##").Append(" h");
                line.Part("quality ").Append(e.Quality).Append("/5");
                if (e.Awakenings == 1)
                {
                    line.Part("1 awakening");
                }
                else
                {
                    line.Part().Append(e.Awakenings).Append(" awakenings");
                }

                break;
            case IntakeLogged e:
                line.Append("Intake: ");
                if (e.WaterMl is { } water)
                {
                    line.Part().Append(water).Append(" ml water");
                }

                if (e.CaffeineMg is { } caffeine)
                {
                    line.Part().Append(caffeine).Append(" mg caffeine");
                }

                break;
            case InterventionApplied e:
                line.Part("Intervention: ").Append(Words(e.Kind));
                if (e.DoseMg is { } dose)
                {
                    line.Part().Append(dose).Append(" mg");
                }

                line.PartUnlessBlank(e.Details);
                break;
            case NeurologicalSymptomReported e:
                line.Part("Symptom: ").Append(Words(e.Kind));
                if (e.BodyRegion is { } region)
                {
                    line.Append(" in ").Append(Words(region));
                }

                line.Part("severity ").Append(e.Severity).Append("/10");
                break;
            default:
                return entry.GetType().Name;
        }

        return line.ToStringAndClear();
    }

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

    public static string Duration(int seconds)
    {
        var line = new Line(stackalloc char[32]);
        Duration(ref line, seconds);
        return line.ToStringAndClear();
    }

    private static void Duration(ref Line line, int seconds)
    {
        switch (seconds)
        {
            case < 60:
                line.Append(seconds).Append(" s");
                break;
            case < 3600:
                line.Append(seconds / 60).Append(" min");
                if (seconds % 60 != 0)
                {
                    line.Append(" ").Append(seconds % 60).Append(" s");
                }

                break;
            default:
                line.Append(seconds / 3600).Append(" h");
                if (seconds % 3600 != 0)
                {
                    line.Append(" ").Append(seconds % 3600 / 60).Append(" min");
                }

                break;
        }
    }

    /// <summary>"calf", "calf and thigh", "calf, thigh and foot".</summary>
    private static void Regions(ref Line line, IReadOnlyList<BodyRegion> regions)
    {
        for (var i = 0; i < regions.Count; i++)
        {
            line.Append(i == 0 ? "" : i == regions.Count - 1 ? " and " : ", ").Append(Words(regions[i]));
        }
    }

    /// <summary>A summary being written: its parts separated by ", " (as string.Join of the parts that are not blank).</summary>
    private ref struct Line(Span<char> initial)
    {
        private DefaultInterpolatedStringHandler text = new(0, 0, CultureInfo.InvariantCulture, initial);
        private bool started;

        /// <summary>Begins the next part (after a separator when one came before), starting with <paramref name="opening"/>.</summary>
        [UnscopedRef]
        public ref Line Part(string opening = "")
        {
            if (started)
            {
                text.AppendLiteral(", ");
            }

            started = true;
            return ref Append(opening);
        }

        /// <summary>A part of its own when <paramref name="condition"/> holds.</summary>
        [UnscopedRef]
        public ref Line PartIf(bool condition, string part) => ref condition ? ref Part(part) : ref this;

        /// <summary>A part of its own unless blank (a note the patient typed).</summary>
        [UnscopedRef]
        public ref Line PartUnlessBlank(string? part) => ref PartIf(!string.IsNullOrWhiteSpace(part), part!);

        [UnscopedRef]
        public ref Line Append(string value)
        {
            text.AppendLiteral(value);
            return ref this;
        }

        [UnscopedRef]
        public ref Line Append<T>(T value, string? format = null)
            where T : ISpanFormattable
        {
            text.AppendFormatted(value, format);
            return ref this;
        }

        public string ToStringAndClear() => text.ToStringAndClear();
    }
}
