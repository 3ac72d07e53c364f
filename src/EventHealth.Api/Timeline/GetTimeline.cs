using System.Text;
using EventHealth.Http;
using EventHealth.Recording;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Timeline;

public sealed record Retraction(string Reason, long Version, DateTimeOffset RecordedAt);

public sealed record TimelineItem(
    Guid EntryId,
    string Type,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    long Version,
    string Summary,
    bool Retracted,
    Retraction? Retraction,
    RecordedData Data)
{
    public static TimelineItem Of(RecordedEntry entry) => new(
        entry.EntryId, entry.Kind, entry.OccurredAt, entry.RecordedAt, entry.Version, entry.Summary, entry.Retracted,
        entry.Retracted ? new Retraction(entry.RetractionReason ?? "", entry.RetractedInVersion ?? 0, entry.RetractedAt ?? default) : null,
        new RecordedData(entry.Data));
}

/// <param name="StreamVersion">The record version this view reflects (for time travel, the last event replayed).</param>
/// <param name="NextCursor">Pass as <c>cursor</c> for the next page; null on the last page.</param>
public sealed record PatientTimeline(
    Guid PatientId,
    long StreamVersion,
    DateTimeOffset? AsOf,
    long? AtVersion,
    IReadOnlyList<TimelineItem> Items,
    string? NextCursor);

public static class GetTimelineEndpoint
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static ProblemDetails Validate(DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, DateTimeOffset? asOf, long? atVersion, HttpContext http)
    {
        var errors = new FieldErrors();
        errors.QueryTimestamps(http.Request, "from", "to", "asOf");
        errors.Range("limit", limit, 1, MaxLimit);
        if (from > to)
        {
            errors.Add("to", "must not be before from");
        }

        if (asOf is not null && atVersion is not null)
        {
            errors.Add("atVersion", "cannot be combined with asOf: choose one moment");
        }

        if (atVersion is < 1)
        {
            errors.Add("atVersion", "must be 1 or more");
        }

        if (cursor is not null && DecodeCursor(cursor) is null)
        {
            errors.Add("cursor", "is not a cursor this API gave out");
        }

        return errors.ToProblem();
    }

    /// <summary>
    /// Entries in occurredAt order, retracted ones marked. With <c>asOf</c> or <c>atVersion</c>, the timeline as the
    /// record stood then, replayed from the event log.
    /// </summary>
    [WolverineGet("/api/patients/{patientId}/timeline", OperationId = "getTimeline")]
    [Tags("Timeline"), ReadResponses(typeof(PatientTimeline))]
    public static async Task<IResult> Get(
        Guid patientId, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, DateTimeOffset? asOf, long? atVersion,
        IQuerySession session, HttpContext http)
    {
        var take = limit ?? DefaultLimit;
        var after = cursor is null ? null : DecodeCursor(cursor);
        List<RecordedEntry> page;
        long viewVersion;

        if (asOf is null && atVersion is null)
        {
            // The record's version and the page in one round trip.
            var batch = session.CreateBatchQuery();
            var stateOfRecord = batch.Events.FetchStreamState(patientId);
            var query = batch.Query<RecordedEntry>().Where(e => e.PatientId == patientId);
            if (from is { } start)
            {
                query = query.Where(e => e.OccurredAt >= start);
            }

            if (to is { } end)
            {
                query = query.Where(e => e.OccurredAt < end);
            }

            if (after is not null)
            {
                query = query.Where(e => e.SortKey.CompareTo(after) > 0);
            }

            var pageOfEntries = query.OrderBy(e => e.SortKey).Take(take + 1).ToList();
            await batch.Execute(http.RequestAborted);
            if (await stateOfRecord is not { } current)
            {
                return Problems.PatientNotFound(patientId);
            }

            page = (await pageOfEntries).ToList();
            viewVersion = current.Version;
        }
        else
        {
            var state = await session.Events.FetchStreamStateAsync(patientId, http.RequestAborted);
            if (state is null)
            {
                return Problems.PatientNotFound(patientId);
            }

            if (atVersion > state.Version)
            {
                return Results.Problem(Problems.Validation("atVersion", $"must not exceed the record's version {state.Version}"));
            }

            var events = TimelineReplay.Until(await session.Events.FetchStreamAsync(patientId, token: http.RequestAborted), asOf, atVersion).ToList();
            viewVersion = events.Count == 0 ? 0 : events[^1].Version;
            page = TimelineReplay.Entries(events)
                .Where(e => (from is null || e.OccurredAt >= from) && (to is null || e.OccurredAt < to))
                .Where(e => after is null || string.CompareOrdinal(e.SortKey, after) > 0)
                .Take(take + 1)
                .ToList();
        }

        var items = page.Take(take).Select(TimelineItem.Of).ToList();
        var next = page.Count > take ? EncodeCursor(page[take - 1].SortKey) : null;
        return Results.Ok(new PatientTimeline(patientId, viewVersion, asOf, atVersion, items, next));
    }

    public static string EncodeCursor(string sortKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(sortKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? DecodeCursor(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
            return System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9]{19}/[0-9a-f]{32}$") ? text : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
