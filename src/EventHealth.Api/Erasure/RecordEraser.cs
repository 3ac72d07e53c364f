using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Projections;
using EventHealth.Recording;
using Marten;
using Npgsql;

namespace EventHealth.Erasure;

/// <summary>
/// The erasure, in the order that keeps it safe: first the <see cref="RecordErased"/> event (from then on every write
/// to the record is refused and every read answers 410), then Marten masks the personal data of every event of the
/// stream, then each document is rebuilt from the masked events, then queued messages about the record are removed.
/// </summary>
public sealed class RecordEraser(RecordWriter writer, IDocumentStore store, Sharding.TenantSessions sessions, ProjectionVerifier projections, NpgsqlDataSource control, ILogger<RecordEraser> logger)
{
    /// <returns>The answer, and the record version after the erasure when it happened now.</returns>
    public async Task<(IResult Answer, long? Version)> EraseAsync(Guid patientId, string? requestReference, WriteContext context, CancellationToken cancellation)
    {
        var written = await RecordWrites.SendAsync(writer, patientId, context, new EraseRecordChange(new RecordErased(context.Actor, requestReference, context.Now)));
        switch (written.Refused)
        {
            case RecordRefusal.Erased:
                // Erased before: finish any step an interrupted erasure left undone (each is idempotent), then 410.
                await CompleteAsync(patientId);
                return (written.Answer, null);
            case not null:
                return (written.Answer, null);
        }

        // Not cancellable from here on: a half-done erasure would leave personal data behind.
        var (events, rebuilt, removed) = await CompleteAsync(patientId);

        logger.LogInformation("Record {PatientId} erased by {Actor}: {Events} events masked, {Documents} documents rebuilt, {Messages} queued messages removed",
            patientId, context.Actor, events, rebuilt, removed);
        return (Results.Ok(new ErasureReport(patientId, context.Actor, requestReference, context.Now, written.Version, events, rebuilt, removed)), written.Version);
    }

    /// <summary>The steps after the <see cref="RecordErased"/> event: mask the events, rebuild the documents, remove queued messages.</summary>
    private async Task<(int Events, int Rebuilt, int Removed)> CompleteAsync(Guid patientId)
    {
        await store.Advanced.ApplyEventDataMasking(masking => masking.ForTenant(sessions.Buckets.TenantOf(patientId)).IncludeStream(patientId).AddHeader(ErasureConfiguration.MaskedHeader, "erasure"), CancellationToken.None);
        var events = await CountMaskedEventsAsync(patientId);
        var rebuilt = await projections.RepairStreamAsync(patientId, CancellationToken.None);
        var removed = await RemoveQueuedMessagesAsync(patientId);
        return (events, rebuilt, removed);
    }

    /// <summary>Events Marten masked: those of a type with a masking rule, which it marks with the erasure header.</summary>
    private async Task<int> CountMaskedEventsAsync(Guid patientId)
    {
        await using var session = sessions.QueryFor(patientId);
        return (await session.Events.FetchStreamAsync(patientId)).Count(e => e.Headers?.ContainsKey(ErasureConfiguration.MaskedHeader) == true);
    }

    /// <summary>
    /// Messages waiting in (or dead-lettered by) the message store that name the record: an alert email not sent yet
    /// carries a recipient address. They are work items, not history, so they are deleted rather than masked.
    /// </summary>
    private async Task<int> RemoveQueuedMessagesAsync(Guid patientId)
    {
        // The bucket's shard holds the messages its handlers sent; the control database any sent without a tenant.
        var removed = 0;
        await using (var shard = await sessions.OpenConnectionAsync(sessions.Buckets.TenantOf(patientId), CancellationToken.None))
        {
            removed += await RemoveQueuedMessagesAsync(shard, patientId);
        }

        await using (var main = await control.OpenConnectionAsync())
        {
            removed += await RemoveQueuedMessagesAsync(main, patientId);
        }

        return removed;
    }

    private static async Task<int> RemoveQueuedMessagesAsync(NpgsqlConnection connection, Guid patientId)
    {
        var tables = new List<string>();
        await using (var find = new NpgsqlCommand("""
            select table_name from information_schema.columns
            where table_schema = $1 and column_name = 'body' and data_type = 'bytea'
            """, connection))
        {
            find.Parameters.AddWithValue(Database.MessagingSchema);
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var removed = 0;
        foreach (var table in tables)
        {
            await using var delete = new NpgsqlCommand(
                $"delete from {Database.MessagingSchema}.\"{table}\" where position(convert_to($1, 'UTF8') in body) > 0", connection);
            delete.Parameters.AddWithValue(patientId.ToString());
            removed += await delete.ExecuteNonQueryAsync();
        }

        return removed;
    }
}

/// <summary>The erasure event: a record takes it once; afterwards the write path refuses every change with 410.</summary>
public sealed record EraseRecordChange(RecordErased Erased) : IRecordChange
{
    public RecordDecision Decide(RecordState state) => Append.Facts(Erased);
}
