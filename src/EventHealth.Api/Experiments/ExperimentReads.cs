using EventHealth.Detection;
using EventHealth.Recording;
using Marten;

namespace EventHealth.Experiments;

/// <summary>What the experiment reads load: the record's facts (as detection folds them), its experiments and the patient's local today.</summary>
public sealed record ExperimentReads(RecordFacts Facts, IReadOnlyList<ExperimentHistory> Experiments, DateOnly Today)
{
    public static async Task<ExperimentReads> LoadAsync(IQuerySession session, PatientRecord record, TimeProvider clock, CancellationToken cancellation)
    {
        // The whole stream: adherence and the record's first day need every entry and retraction, not only the experiment events.
        var events = await session.Events.FetchStreamAsync(record.Id, token: cancellation);
        return new ExperimentReads(RecordFacts.From(record.Id, events), ExperimentHistory.From(events), PatientCalendar.Today(record.TimeZone, clock));
    }
}
