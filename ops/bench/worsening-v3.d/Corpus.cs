using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.WorseningBacktest;

/// <summary>The five kinds of diary of the corpus. The first four are benign: no alert about worsening is wanted.</summary>
public enum DiaryKind
{
    /// <summary>Logs only the days with twitching, at a steady rate.</summary>
    TwitchingDaysOnly,

    /// <summary>Logs every day (an intake entry), twitching at a steady rate.</summary>
    EveryDay,

    /// <summary>Began in the last month of the period; either diary style, steady rate.</summary>
    NewUser,

    /// <summary>The article's fibromyalgia pattern: twitching that goes up and down with stress weeks; either diary style.</summary>
    BenignFluctuating,

    /// <summary>Twitching that becomes 3-4 times as frequent over six weeks (and often stronger); half report difficulty walking.</summary>
    RealWorsening,
}

public sealed record CorpusRecord(Guid PatientId, DiaryKind Kind, string TimeZone, bool TwitchingDaysOnly, DateOnly? WorseningOnset, IReadOnlyList<IEvent> Events);

/// <summary>
/// Generates the corpus deterministically from a seed: the same arguments give the same records, entries and recording
/// times. Entries are recorded minutes after they occur, a tenth of them synced the next morning; about 2% are retracted
/// later the same day.
/// </summary>
public sealed class Corpus(int seed, DateOnly historyStart, DateOnly historyEnd)
{
    private static readonly string[] Zones = ["Pacific/Auckland", "Europe/Paris", "America/New_York", "UTC"];

    public IEnumerable<CorpusRecord> Records(int perKind)
    {
        foreach (var kind in Enum.GetValues<DiaryKind>())
        {
            for (var i = 0; i < perKind; i++)
            {
                // Not HashCode.Combine: its seed changes with every process, and the corpus must not.
                yield return Record(kind, new Random(unchecked((seed * 1_000_003) + ((int)kind * 10_007) + i)));
            }
        }
    }

    private CorpusRecord Record(DiaryKind kind, Random random)
    {
        var patientId = new Guid(random.NextBytes16());
        var zone = Zones[random.Next(Zones.Length)];
        var diary = new Diary(patientId, zone, random);
        var span = historyEnd.DayNumber - historyStart.DayNumber;
        var start = kind == DiaryKind.NewUser
            ? historyEnd.AddDays(-random.Next(3, 31))
            : historyStart.AddDays(random.Next(0, 30));
        var twitchingDaysOnly = kind switch
        {
            DiaryKind.TwitchingDaysOnly => true,
            DiaryKind.EveryDay => false,
            _ => random.Next(2) == 0,
        };
        var rate = 0.25 + (random.NextDouble() * 0.6); // mean episodes per day
        var baseIntensity = random.Next(2, 5);
        DateOnly? onset = kind == DiaryKind.RealWorsening ? start.AddDays(random.Next(21, Math.Max(22, span - 40))) : null;
        var walkingFrom = kind == DiaryKind.RealWorsening && random.Next(2) == 0 ? onset!.Value.AddDays(random.Next(21, 35)) : (DateOnly?)null;
        var stressWeeks = new HashSet<int>();
        if (kind == DiaryKind.BenignFluctuating)
        {
            for (var week = 0; week < span / 7 + 1; week++)
            {
                if (random.Next(3) == 0)
                {
                    stressWeeks.Add(week);
                }
            }
        }

        diary.Enrol(start.AddDays(-random.Next(0, 10)));
        for (var day = start; day <= historyEnd; day = day.AddDays(1))
        {
            var dayRate = rate;
            var intensity = baseIntensity;
            var stressed = stressWeeks.Contains((day.DayNumber - start.DayNumber) / 7);
            if (stressed)
            {
                dayRate *= 2;
            }

            if (onset is { } worseningFrom && day >= worseningFrom)
            {
                var progress = Math.Min(1.0, (day.DayNumber - worseningFrom.DayNumber) / 42.0);
                dayRate *= 1 + (progress * 2.5);
                intensity += (int)Math.Round(progress * 2);
            }

            var episodes = Poisson(random, dayRate);
            if (!twitchingDaysOnly)
            {
                diary.Intake(day);
                if (stressed || random.Next(6) == 0)
                {
                    diary.Stress(day, stressed ? random.Next(6, 10) : random.Next(2, 6));
                }
            }

            for (var e = 0; e < episodes; e++)
            {
                diary.Episode(day, Math.Clamp(intensity + random.Next(-1, 2), 0, 10));
            }

            if (walkingFrom is { } walking && day >= walking && random.Next(5) == 0)
            {
                diary.Symptom(day, SymptomKind.DifficultyWalking);
            }
        }

        return new CorpusRecord(patientId, kind, zone, twitchingDaysOnly, onset, diary.Events());
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var count = 0;
        for (var product = random.NextDouble(); product > limit; product *= random.NextDouble())
        {
            count++;
        }

        return count;
    }

    /// <summary>One record's events, each stamped with the moment it was recorded, put in recording order at the end.</summary>
    private sealed class Diary(Guid patientId, string zone, Random random)
    {
        private readonly List<(DateTimeOffset RecordedAt, object Data)> written = [];
        private readonly TimeZoneInfo timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);

        public void Enrol(DateOnly day) =>
            written.Add((At(day, 8, 0), new PatientEnrolled(patientId, "Corpus", "corpus@example.org", zone, null, false)));

        public void Episode(DateOnly day, int intensity) =>
            Entry(day, id => new TwitchEpisodeRecorded(id, default, [BodyRegion.Calf], Side.Left, intensity, 30, false, false));

        public void Intake(DateOnly day) => Entry(day, id => new IntakeLogged(id, default, 1500, null));

        public void Stress(DateOnly day, int level) => Entry(day, id => new TriggerReported(id, default, TriggerKind.Stress, level, null));

        public void Symptom(DateOnly day, SymptomKind kind) => Entry(day, id => new NeurologicalSymptomReported(id, default, kind, null, 6));

        private void Entry(DateOnly day, Func<Guid, IPatientEntry> create)
        {
            var occurredAt = At(day, random.Next(7, 22), random.Next(60));
            var recordedAt = random.Next(10) == 0 ? At(day.AddDays(1), 8, random.Next(60)) : occurredAt.AddMinutes(random.Next(1, 30));
            var entry = create(new Guid(random.NextBytes16())) switch
            {
                TwitchEpisodeRecorded e => (IPatientEntry)(e with { OccurredAt = occurredAt }),
                IntakeLogged e => e with { OccurredAt = occurredAt },
                TriggerReported e => e with { OccurredAt = occurredAt },
                NeurologicalSymptomReported e => e with { OccurredAt = occurredAt },
                var other => other,
            };
            written.Add((recordedAt, entry));
            if (random.Next(50) == 0)
            {
                written.Add((recordedAt.AddHours(2), new EntryRetracted(entry.EntryId, "entered by mistake")));
            }
        }

        /// <summary>A local time of the patient's day (the zone's offset at that moment).</summary>
        private DateTimeOffset At(DateOnly day, int hour, int minute)
        {
            var local = day.ToDateTime(new TimeOnly(hour, minute));
            return new DateTimeOffset(local, timeZone.GetUtcOffset(local));
        }

        public List<IEvent> Events()
        {
            var events = new List<IEvent>(written.Count);
            foreach (var (recordedAt, data) in written.OrderBy(w => w.RecordedAt))
            {
                var @event = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
                @event.Version = events.Count + 1;
                @event.StreamId = patientId;
                @event.Timestamp = recordedAt;
                events.Add(@event);
            }

            return events;
        }
    }
}

internal static class RandomBytes
{
    public static byte[] NextBytes16(this Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        return bytes;
    }
}
