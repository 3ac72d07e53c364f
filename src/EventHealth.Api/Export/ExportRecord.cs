using EventHealth.Audit;
using EventHealth.Daily;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;
using Marten;
using Wolverine.Http;

namespace EventHealth.Export;

/// <summary>The projections as they stood at export time, for readers who do not replay events themselves.</summary>
public sealed record ExportedProjections(
    IReadOnlyList<TimelineItem> Timeline,
    long DailyProjectedThroughVersion,
    IReadOnlyList<DailySummary> Daily);

/// <summary>
/// A whole record in one self-describing document: the event log is the record, the projections a convenience.
/// <see cref="Format"/> names the layout so a later import can check it understands the file.
/// </summary>
public sealed record RecordExport(
    string Format,
    DateTimeOffset ExportedAt,
    Guid PatientId,
    long StreamVersion,
    PatientProfile Profile,
    IReadOnlyList<HistoryEvent> Events,
    ExportedProjections Projections)
{
    public const string CurrentFormat = "eventhealth-record-export/1";
}

public static class ExportRecordEndpoint
{
    [WolverineGet("/api/patients/{patientId}/export", OperationId = "exportRecord")]
    [Tags("Audit"), ReadResponses(typeof(RecordExport))]
    public static async Task<IResult> Get(Guid patientId, IQuerySession session, TimeProvider clock, HttpContext http)
    {
        // The profile with its version, then the events through that version; the projections, read after, are at least
        // as new (their own versions say how far they reach).
        if (await RecordVersion.ReadAsync(session, patientId, http.RequestAborted) is not { Record: { } record } head)
        {
            return Problems.PatientNotFound(patientId);
        }

        var events = await session.Events.FetchStreamAsync(patientId, head.Version, token: http.RequestAborted);
        var entries = await session.Query<RecordedEntry>().Where(e => e.PatientId == patientId).OrderBy(e => e.SortKey).ToListAsync(http.RequestAborted);
        var days = await DailySummaryReads.AllAsync(session, patientId, http.RequestAborted);
        var entryKinds = entries.Select(e => (e.Kind, e.Retracted));

        var export = new RecordExport(
            RecordExport.CurrentFormat,
            clock.GetUtcNow(),
            patientId,
            head.Version,
            PatientProfile.Of(record, head.Version, RecordCounters.Count(entryKinds)),
            events.Select(HistoryEvent.Of).ToList(),
            new ExportedProjections(entries.Select(TimelineItem.Of).ToList(), days.ProjectedThroughVersion, days.Days));

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"eventhealth-{patientId}.json\"";
        return Results.Ok(export);
    }
}
