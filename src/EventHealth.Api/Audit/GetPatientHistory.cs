using EventHealth.Http;
using EventHealth.Recording;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Audit;

/// <summary>One event of the raw log, with the server facts stored beside it.</summary>
public sealed record HistoryEvent(
    long Sequence,
    long Version,
    string Type,
    object Data,
    DateTimeOffset RecordedAt,
    DateTimeOffset StoredAt,
    string? Actor,
    string? Client,
    string? CorrelationId,
    string? CausationId)
{
    public static HistoryEvent Of(IEvent e) => new(
        e.Sequence, e.Version, e.EventType.Name, e.Data, EventMetadata.RecordedAt(e), e.Timestamp, e.UserName,
        EventMetadata.ClientId(e), e.CorrelationId, e.CausationId);
}

/// <summary>A page of the raw event log. <see cref="NextFromVersion"/> is null on the last page.</summary>
public sealed record PatientHistory(Guid PatientId, long StreamVersion, long FromVersion, int Limit, long? NextFromVersion, IReadOnlyList<HistoryEvent> Events);

public static class GetPatientHistoryEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static ProblemDetails Validate(long? fromVersion, int? limit)
    {
        var errors = new FieldErrors();
        if (fromVersion is < 1)
        {
            errors.Add("fromVersion", "must be 1 or more");
        }

        errors.Range("limit", limit, 1, MaxLimit);
        return errors.ToProblem();
    }

    /// <summary>The raw, append-only event log of a record, for audits: every event with who, when, from which client.</summary>
    [WolverineGet("/api/patients/{patientId}/history", OperationId = "getPatientHistory")]
    [Tags("Audit"), ReadResponses(typeof(PatientHistory))]
    public static async Task<IResult> Get(Guid patientId, long? fromVersion, int? limit, IQuerySession session, HttpContext http)
    {
        var from = fromVersion ?? 1;
        var take = limit ?? DefaultLimit;
        // The version first, then the page: the events are at least as new as the ETag.
        var version = await RecordVersion.CurrentAsync(session, patientId, http.RequestAborted);
        if (version == 0)
        {
            return Problems.PatientNotFound(patientId);
        }

        var page = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId == patientId && e.Version >= from)
            .OrderBy(e => e.Version)
            .Take(take + 1)
            .ToListAsync(http.RequestAborted);

        var events = page.Take(take).Select(HistoryEvent.Of).ToList();

        WriteContext.SetETag(http.Response, version);
        return Results.Ok(new PatientHistory(patientId, version, from, take,
            page.Count > take ? page[take].Version : null, events));
    }
}
