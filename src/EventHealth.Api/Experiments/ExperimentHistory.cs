using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.Experiments;

/// <summary>
/// What the write model keeps of each experiment (in <see cref="PatientRecord.Experiments"/>): enough for pure write
/// decisions (repeat or conflict, overlap, stopped, concluded) and for the first answer of a repeated plan, never the schedule.
/// </summary>
public sealed record ExperimentSummary(
    string Fingerprint, long PlannedVersion, DateTimeOffset PlannedAt, DateOnly StartDate, DateOnly LastDay, DateOnly? StoppedOn, bool Concluded)
{
    /// <summary>Neither stopped nor concluded: it still claims its days.</summary>
    public bool Open => StoppedOn is null && !Concluded;
}

/// <summary>One experiment as its events tell it, with when each step was recorded.</summary>
public sealed record ExperimentHistory(
    ExperimentPlanned Plan,
    long PlannedVersion,
    DateTimeOffset PlannedAt,
    ExperimentStopped? Stop,
    DateTimeOffset? StoppedAt,
    ExperimentConcluded? Conclusion,
    long? ConcludedVersion,
    DateTimeOffset? ConcludedAt)
{
    /// <summary>Every experiment of a stream, in the order they were planned. Pure.</summary>
    public static IReadOnlyList<ExperimentHistory> From(IEnumerable<IEvent> events)
    {
        var experiments = new List<ExperimentHistory>();
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case ExperimentPlanned planned when experiments.TrueForAll(e => e.Plan.ExperimentId != planned.ExperimentId):
                    experiments.Add(new ExperimentHistory(planned, @event.Version, EventMetadata.RecordedAt(@event), null, null, null, null, null));
                    break;
                case ExperimentStopped stopped when experiments.FindIndex(e => e.Plan.ExperimentId == stopped.ExperimentId) is var at and >= 0 && experiments[at].Stop is null:
                    experiments[at] = experiments[at] with { Stop = stopped, StoppedAt = EventMetadata.RecordedAt(@event) };
                    break;
                case ExperimentConcluded concluded when experiments.FindIndex(e => e.Plan.ExperimentId == concluded.ExperimentId) is var at and >= 0 && experiments[at].Conclusion is null:
                    experiments[at] = experiments[at] with { Conclusion = concluded, ConcludedVersion = @event.Version, ConcludedAt = EventMetadata.RecordedAt(@event) };
                    break;
            }
        }

        return experiments;
    }
}
