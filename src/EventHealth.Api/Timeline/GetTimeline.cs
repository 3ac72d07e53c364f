using System.Text;
using System.Text.Json;
using EventHealth.Hosting;
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
    [Tags("Timeline"), ReadResponses(typeof(PatientTimeline)), Erasure.AnswersErasedRecords]
    public static async Task<IResult> Get(
        Guid patientId, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor, DateTimeOffset? asOf, long? atVersion,
        IQuerySession session, EventStoreQueries queries, TimelinePages pages, HttpContext http)
    {
        var take = limit ?? DefaultLimit;
        var after = cursor is null ? null : DecodeCursor(cursor);
        if (asOf is null && atVersion is null)
        {
            // The record's version, its erasure and the page in one round trip; the items are written from the stored
            // documents, or the page is the one kept from an earlier read at the same version (then the page statement reads nothing).
            var key = new TimelinePages.Key(patientId, after, from is { } start ? RecordedEntry.SortKeyBound(start) : "",
                to is { } end ? RecordedEntry.SortKeyBound(end) : RecordedEntry.SortKeyCeiling, take);
            // A client that asks for no stored answer (Cache-Control: no-cache) gets the page read now; with no-store it is
            // not kept either.
            var asked = http.Request.GetTypedHeaders().CacheControl;
            var kept = asked is { NoCache: true } or { NoStore: true } ? null : pages.Find(key);
            var live = await queries.TimelinePageAsync(patientId, key.After, key.FromKey, key.BeforeKey, take + 1, kept?.Version ?? 0, http.RequestAborted);
            if (kept is not null && live is { Version: { } seen, Erased: false } && seen != kept.Version && live.Items.Count == 0)
            {
                // Versions only grow, so a page statement that found the kept version found the one read before it.
                // Should that ever not hold (a store restored from a backup), an empty page is read again unconditionally.
                live.Items.Dispose();
                live = await queries.TimelinePageAsync(patientId, key.After, key.FromKey, key.BeforeKey, take + 1, 0, http.RequestAborted);
            }

            if (live is { Version: { } version, Erased: false })
            {
                if (kept?.Version == version)
                {
                    live.Items.Dispose();
                    return new KeptPage(kept);
                }

                return new LivePage(patientId, version, live, take, key, asked is { NoStore: true } ? null : pages);
            }

            live.Items.Dispose();
            return live.Version is null ? Problems.PatientNotFound(patientId) : Erasure.ErasureConfiguration.Gone(patientId, live.ErasedAt);
        }

        if (await queries.ErasureAsync(patientId, http.RequestAborted) is (true, var erasedAt))
        {
            return Erasure.ErasureConfiguration.Gone(patientId, erasedAt);
        }

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
        var viewVersion = RecordVersion.Of(events);
        var page = TimelineReplay.Entries(events)
            .Where(e => (from is null || e.OccurredAt >= from) && (to is null || e.OccurredAt < to))
            .Where(e => after is null || string.CompareOrdinal(e.SortKey, after) > 0)
            .Take(take + 1)
            .ToList();

        var items = page.Take(take).Select(TimelineItem.Of).ToList();
        var next = page.Count > take ? EncodeCursor(page[take - 1].SortKey) : null;
        return Results.Ok(new PatientTimeline(patientId, viewVersion, asOf, atVersion, items, next));
    }

    /// <summary>
    /// A live page, written as <see cref="PatientTimeline"/> serializes (the same fields, order and escaping; the
    /// timeline tests compare it byte for byte with the replayed page), its items from the fields PostgreSQL extracted
    /// from the stored documents (<see cref="TimelineItemJson"/>), or through the objects for a page holding a document of
    /// another shape.
    /// </summary>
    /// <param name="pages">Where the answer is kept for the next read at this version; null when the client asked not to store it.</param>
    private sealed class LivePage(Guid patientId, long version, EventStoreQueries.TimelinePage page, int take, TimelinePages.Key key, TimelinePages? pages) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            using var items = page.Items;
            // Written whole before it is sent: the same bytes are kept for the next read at this version, with their ETag
            // (the one ConditionalGets would give them).
            await using var answer = HeldAnswers.Hold();
            // The HTTP answers' own options (ASP.NET's relaxed escaping over the API's dialect), as Results.Ok would use.
            var options = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            var entries = page.Documents?.ConvertAll(document =>
                JsonSerializer.Deserialize<RecordedEntry>(document, options) ?? throw new JsonException("A stored entry document is null."));
            var count = entries?.Count ?? items.Count;
            await using (var writer = new Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)answer, new JsonWriterOptions { Encoder = options.Encoder }))
            {
                Write(writer, entries, count, options);
            }

            var etag = $"\"{HeldAnswers.Hash(answer, 0)}\"";
            pages?.Keep(key, version, answer, etag);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.Headers.ETag = etag;
            await HeldAnswers.SendAsync(http.Response, answer.GetReadOnlySequence(), http.RequestAborted);
        }

        private void Write(Utf8JsonWriter writer, List<RecordedEntry>? entries, int count, JsonSerializerOptions options)
        {
            var items = page.Items;
            writer.WriteStartObject();
            writer.WriteString("patientId"u8, patientId);
            writer.WriteNumber("streamVersion"u8, version);
            writer.WriteNull("asOf"u8);
            writer.WriteNull("atVersion"u8);
            writer.WriteStartArray("items"u8);
            for (var i = 0; i < Math.Min(count, take); i++)
            {
                if (entries is null)
                {
                    items.Write(writer, i);
                }
                else
                {
                    JsonSerializer.Serialize(writer, TimelineItem.Of(entries[i]), options);
                }
            }

            writer.WriteEndArray();
            if (count > take)
            {
                writer.WriteString("nextCursor"u8, EncodeCursor(entries is null ? items.SortKey(take - 1) : entries[take - 1].SortKey));
            }
            else
            {
                writer.WriteNull("nextCursor"u8);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>A page kept from an earlier read at the record's current version (<see cref="TimelinePages"/>).</summary>
    private sealed class KeptPage(TimelinePages.Page page) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.Headers.ETag = page.ETag;
            return HeldAnswers.SendAsync(http.Response, page.Answer, http.RequestAborted);
        }
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
