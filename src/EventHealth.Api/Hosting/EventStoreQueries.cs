using System.Runtime.CompilerServices;
using JasperFx.Events;
using Marten;
using Marten.Internal;
using Npgsql;

namespace EventHealth.Hosting;

/// <summary>
/// Every SQL query this code runs on Marten's own tables, in one place. Each asks what Marten's LINQ cannot (a join of
/// the streams table with two document tables, a scan of the values of a JSON dictionary inside a document, every
/// stream's version at once), or what the hot paths measured Marten's way to cost too much (docs/read-side.md lists
/// them). The table names follow Marten's naming in the event store schema (mt_streams; mt_doc_ and
/// the document type's name in lower case): renaming a document type means changing them here, and the integration
/// tests of detection, experiments and projection rebuilds fail until then. Each reads one bucket (tenant) on its shard:
/// the tenant predicate narrows the streams to the bucket and prunes the document tables to its partitions.
/// </summary>
public sealed class EventStoreQueries(Sharding.TenantSessions sessions)
{
    private const string Streams = Database.EventStoreSchema + ".mt_streams";
    private const string Events = Database.EventStoreSchema + ".mt_events";
    private const string EventSequence = Database.EventStoreSchema + ".mt_events_sequence";
    internal const string RecordedEntriesTable = "mt_doc_recordedentry";
    internal const string RecordedEntries = Database.EventStoreSchema + "." + RecordedEntriesTable;
    internal const string PatientRecords = Database.EventStoreSchema + ".mt_doc_patientrecord";
    private const string DetectionCheckpoints = Database.EventStoreSchema + ".mt_doc_detectioncheckpoint";

    /// <summary>A record as the write path reads it: its stream's version (0 when there is no stream) and its snapshot.</summary>
    public sealed record RecordHead(Guid Id, long Version, Recording.PatientRecord? Record);

    /// <summary>
    /// Queues in <paramref name="batch"/> the heads of <paramref name="ids"/>' records in one bucket: one statement per
    /// bucket, pruned to its partition, so that a write group reads all its buckets in one round trip. Marten's
    /// fetch for writing reads the same two rows but only in a batch of the record's own tenant: a round trip per
    /// bucket, a quarter of an append's CPU when every record of a group is in another bucket (docs/benchmarks.md,
    /// issue 23's nineteenth pass).
    /// </summary>
    public static Task<IReadOnlyList<RecordHead>> RecordHeads(Marten.Services.BatchQuerying.IBatchedQuery batch, string tenant, Guid[] ids) =>
        batch.Query<RecordHead>($"""
            select jsonb_build_object('id', s.id, 'version', s.version, 'record', r.data)
            from {Streams} as s left join {PatientRecords} as r on r.tenant_id = s.tenant_id and r.id = s.id
            where s.tenant_id = ? and s.id = any(?)
            """, tenant, ids);

    /// <summary>Queues in <paramref name="batch"/> the entry index documents of one bucket named by <paramref name="ids"/>.</summary>
    public static Task<IReadOnlyList<Recording.RecordedEntry>> EntryDocuments(Marten.Services.BatchQuerying.IBatchedQuery batch, string tenant, string[] ids) =>
        batch.Query<Recording.RecordedEntry>($"select d.data from {RecordedEntries} as d where d.tenant_id = ? and d.id = any(?)", tenant, ids);

    /// <summary>Records whose stream version passed their detection checkpoint, that were never evaluated, or whose
    /// review time has come; erased records never again (docs/erasure.md). In id order.</summary>
    public Task<List<Guid>> DueForDetectionAsync(string tenant, DateTimeOffset now, CancellationToken cancellation) =>
        ReadAsync(tenant, $"""
            select s.id
            from {Streams} s
            join {PatientRecords} r on r.tenant_id = s.tenant_id and r.id = s.id
            left join {DetectionCheckpoints} c on c.tenant_id = s.tenant_id and c.id = s.id
            where s.tenant_id = $2
              and not coalesce((r.data ->> 'erased')::boolean, false)
              and (c.id is null
               or s.version > (c.data ->> 'evaluatedThroughVersion')::bigint
               or (c.data ->> 'nextReviewAt')::timestamptz <= $1)
            order by s.id
            """, [now], reader => reader.GetGuid(0), cancellation);

    /// <summary>Open experiments (neither stopped nor concluded) whose last day is on or before <paramref name="utcToday"/>,
    /// on records not erased. In record, then experiment order.</summary>
    public Task<List<(Guid PatientId, Guid ExperimentId)>> ExperimentsDueForConclusionAsync(string tenant, DateOnly utcToday, CancellationToken cancellation) =>
        ReadAsync(tenant, $"""
            select r.id, e.key
            from {PatientRecords} r
            cross join lateral jsonb_each(coalesce(r.data -> 'experiments', jsonb_build_object())) e
            where r.tenant_id = $2
              and not coalesce((r.data ->> 'erased')::boolean, false)
              and not coalesce((e.value ->> 'concluded')::boolean, false)
              and e.value ->> 'stoppedOn' is null
              and (e.value ->> 'lastDay')::date <= $1
            order by r.id, e.key
            """, [utcToday], reader => (reader.GetGuid(0), Guid.Parse(reader.GetString(1))), cancellation);

    /// <summary>Every stream's id and version in the bucket, in id order.</summary>
    public Task<List<(Guid Id, long Version)>> StreamVersionsAsync(string tenant, CancellationToken cancellation) =>
        ReadAsync<(Guid, long)>(tenant, $"select id, version from {Streams} where tenant_id = $1 order by id", [], reader => (reader.GetGuid(0), reader.GetInt64(1)), cancellation);

    /// <summary>
    /// One stream's events in version order, <paramref name="window"/> at a time, so a long record is never held whole,
    /// each row turned into its event as it sits in the reader's buffer (<see cref="StoredEvents"/>: synchronously, where
    /// Marten's async path cost about three times as much per event, issue 23's third pass). Each window is one query for
    /// the events after the last version read, on one connection: with the limit, PostgreSQL walks the stream-and-version
    /// index in order, where one query for a whole long stream was planned as a scan and an external sort of every event
    /// spilling to disk (the plan of a 136,501-event stream: 237–295 ms of sorting before the first row, against 78 ms in
    /// index order; docs/benchmarks.md).
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<IEvent>> StreamEventWindowsAsync(IQuerySession session, Guid streamId, int window, [EnumeratorCancellation] CancellationToken cancellation)
    {
        var serializer = ((IMartenSession)session).Serializer;
        var sql = $"select {StoredEvents.Columns} from {Events} as d where d.stream_id = $1 and d.version > $2 and d.tenant_id = $3 order by d.version limit $4";
        await using var connection = await sessions.OpenConnectionAsync(session.TenantId, cancellation);
        long after = 0;
        while (true)
        {
            var events = new List<IEvent>(window);
            await using (var command = new NpgsqlCommand(sql, connection)
            {
                Parameters = { new() { Value = streamId }, new() { Value = after }, new() { Value = session.TenantId }, new() { Value = window } },
            })
            await using (var reader = await command.ExecuteReaderAsync(cancellation))
            {
                while (await reader.ReadAsync(cancellation))
                {
                    events.Add(StoredEvents.Read(reader, serializer, session.TenantId));
                }
            }

            if (events.Count > 0)
            {
                after = events[^1].Version;
                yield return events;
            }

            if (events.Count < window)
            {
                yield break;
            }
        }
    }

    /// <summary>The entries that can count for a day (every entry but a clinician's note, which no day or rule counts).</summary>
    private static readonly string[] CountingEntryTypes =
        [.. Recording.PatientStreamEvents.All.Where(e => e.IsEntry && e.Type != typeof(Recording.ClinicianNoteAdded)).Select(e => e.Type.GetEventTypeName())];

    private static readonly string RetractionType = typeof(Recording.EntryRetracted).GetEventTypeName();

    /// <summary>
    /// The events of <paramref name="patientIds"/> (one bucket) that detection's facts of them can depend on, in the order
    /// they were appended, each record's in version order: every event that is not an entry (enrolment and zone changes,
    /// retractions, alerts, …), each record's last event (so the facts' version is the record's), the entries that
    /// happened from <paramref name="entriesFrom"/> on, and the entries that happened within two days of the record's
    /// earliest entry that still counts (whichever of them falls on the earliest local day starts observation; a zone
    /// change can put a later instant on an earlier day, by 26 hours at most). An entry outside all of those counts on
    /// a day before every rule's window and after observation began: no fact any rule or decision reads. A record of
    /// years is read as its last weeks, where it was read whole (docs/detection.md; docs/benchmarks.md, issue 23's
    /// eleventh pass). PostgreSQL still scans each record's events to choose them, twice. The earliest entry that still
    /// counts comes from one grouping of the record's entries and retractions by entry id: a "not exists" against the
    /// retractions took 3.5 s of PostgreSQL's CPU for a five-year diary on a freshly loaded store (docs/benchmarks.md).
    /// </summary>
    public IAsyncEnumerable<IEvent> DetectionEventsAsync(IQuerySession session, IReadOnlyCollection<Guid> patientIds, DateTimeOffset entriesFrom, CancellationToken cancellation)
    {
        var serializer = ((IMartenSession)session).Serializer;
        return RowsAsync(session.TenantId, $"""
            with first_counting as (
              select per_entry.stream_id, min(per_entry.occurred_at) as occurred_at
              from (
                select e.stream_id, min((e.data ->> 'occurredAt')::timestamptz) filter (where e.type = any($3)) as occurred_at,
                  bool_or(e.type = $2) as retracted
                from {Events} e
                where e.tenant_id = $6 and e.stream_id = any($1) and (e.type = any($3) or e.type = $2)
                group by e.stream_id, e.data ->> 'entryId') per_entry
              where not per_entry.retracted and per_entry.occurred_at is not null
              group by per_entry.stream_id)
            select {StoredEvents.Columns}
            from {Events} as d
            join {Streams} s on s.tenant_id = d.tenant_id and s.id = d.stream_id
            left join first_counting f on f.stream_id = d.stream_id
            where d.tenant_id = $6 and d.stream_id = any($1)
              and (d.type <> all($4) or d.version = s.version
                or (d.data ->> 'occurredAt')::timestamptz >= $5
                or (d.data ->> 'occurredAt')::timestamptz < f.occurred_at + interval '2 days')
            order by d.seq_id
            """, [patientIds.ToArray(), RetractionType, CountingEntryTypes, Recording.PatientStreamEvents.EntryTypeNames, entriesFrom], reader => StoredEvents.Read(reader, serializer, session.TenantId), cancellation);
    }

    /// <summary>Entry documents by id (Marten's primary key), read by Marten's serializer synchronously from each buffered
    /// row as above. Those that do not exist are missing from the answer; in no particular order.</summary>
    public Task<List<Recording.RecordedEntry>> EntriesAsync(IQuerySession session, string[] ids, CancellationToken cancellation)
    {
        var serializer = ((IMartenSession)session).Serializer;
        return ReadAsync(session.TenantId, $"select d.data from {RecordedEntries} as d where d.id = any($1) and d.tenant_id = $2",
            [ids], reader => serializer.FromJson<Recording.RecordedEntry>(reader, 0), cancellation);
    }

    /// <summary>
    /// Every entry document of a record (on the patient-and-sort-key index, or the bucket's partition read in full when
    /// the record is most of it), each as its id and PostgreSQL's hash of its stored jsonb (<c>jsonb_hash_extended</c>,
    /// which <see cref="Projections.JsonbHash"/> reproduces), handed out as they arrive: what the projection rebuild
    /// compares its digests with. One pass over the record's documents, where looking them up by id a window at a time
    /// cost PostgreSQL 6.3 ms per 1,000 (issue 23's twelfth pass); the hash, where their text cost PostgreSQL 4.6 µs a
    /// document to write out (jsonb_out) against 0.7 µs to hash (its sixteenth pass; docs/benchmarks.md).
    /// </summary>
    public IAsyncEnumerable<(string Id, ulong Digest)> EntryDigestsOfAsync(IQuerySession session, Guid patientId, CancellationToken cancellation) =>
        RowsAsync(session.TenantId, $"select d.id, jsonb_hash_extended(d.data, 0) from {RecordedEntries} as d where CAST(d.data ->> 'patientId' as uuid) = $1 and d.tenant_id = $2",
            [patientId], reader => (reader.GetString(0), unchecked((ulong)reader.GetInt64(1))), cancellation);

    /// <summary>A stream's events at the given versions (those that exist), in version order, read as <see cref="StreamEventWindowsAsync"/> reads them.</summary>
    public Task<List<IEvent>> EventsAtAsync(IQuerySession session, Guid streamId, long[] versions, CancellationToken cancellation)
    {
        var serializer = ((IMartenSession)session).Serializer;
        return ReadAsync(session.TenantId,
            $"select {StoredEvents.Columns} from {Events} as d where d.stream_id = $1 and d.version = any($2) and d.tenant_id = $3 order by d.version",
            [streamId, versions], reader => StoredEvents.Read(reader, serializer, session.TenantId), cancellation);
    }

    /// <summary>
    /// Whether the record was erased, and when (<see cref="Recording.PatientRecord.Erased"/>), from its snapshot document's
    /// two fields: asked by every read of a record (the live timeline page asks in its own statement), where loading and deserializing the whole snapshot through a Marten
    /// session was most of the check's cost. False for a record that does not exist.
    /// </summary>
    public async Task<(bool Erased, DateTimeOffset? ErasedAt)> ErasureAsync(Guid patientId, CancellationToken cancellation)
    {
        var rows = await ReadAsync(sessions.Buckets.TenantOf(patientId),
            $"select {ErasureFields("data")} from {PatientRecords} where id = $1 and tenant_id = $2",
            [patientId], reader => ErasureOf(reader, 0), cancellation);
        return rows is [var erasure] ? erasure : (false, null);
    }

    /// <summary>The snapshot's two erasure fields as two columns (read back by <see cref="ErasureOf"/>); a missing snapshot reads as not erased.</summary>
    private static string ErasureFields(string data) => $"coalesce(({data} ->> 'erased')::boolean, false), {data} ->> 'erasedAt'";

    private static (bool Erased, DateTimeOffset? ErasedAt) ErasureOf(NpgsqlDataReader reader, int column) =>
        (reader.GetBoolean(column),
         !reader.IsDBNull(column + 1) && Http.OffsetRequiredConverter.TryParse(reader.GetString(column + 1), out var erasedAt) ? erasedAt : null);

    /// <summary>
    /// Queues, in <paramref name="operations"/>' transaction, one statement writing <paramref name="documents"/> of one
    /// type, each into its own bucket's partition of <paramref name="table"/>, as Marten stores documents: the row its
    /// insert writes (the document as its serializer writes it, a new version, the .NET type, the time). With
    /// <paramref name="replace"/>, a document of the same id is replaced (Marten's upsert, <c>Store</c>); without, one
    /// already there fails the transaction (<c>Insert</c>). One statement for a commit's documents where Marten sends one
    /// per document: a 500-entry import's entry documents cost 25–31 µs each that way, and an append's access record and
    /// entry document a statement each (docs/benchmarks.md, issue 23's fifth pass).
    /// </summary>
    public static void QueueDocuments<TDocument, TId>(
        IDocumentOperations operations, string table, IReadOnlyCollection<(string Tenant, TId Id, TDocument Document)> documents, bool replace)
        where TDocument : notnull
    {
        if (documents.Count == 0)
        {
            return;
        }

        var serializer = ((IMartenSession)(operations is ITenantOperations nested ? nested.Parent : operations)).Serializer;
        var replacing = replace
            ? "on conflict (tenant_id, id) do update set data = excluded.data, mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type, mt_last_modified = excluded.mt_last_modified"
            : "";
        operations.QueueSqlCommand($"""
            insert into {table} (tenant_id, id, data, mt_version, mt_dotnet_type, mt_last_modified)
            select document.tenant_id, document.id, document.data, gen_random_uuid(), ?, transaction_timestamp()
            from unnest(?::varchar[], ?, ?::jsonb[]) as document(tenant_id, id, data)
            {replacing}
            """,
            typeof(TDocument).FullName!, documents.Select(d => d.Tenant).ToArray(), documents.Select(d => d.Id).ToArray(),
            documents.Select(d => serializer.ToJson(d.Document)).ToArray());
    }

    /// <summary>A page of a record's timeline as <see cref="TimelinePageAsync"/> read it.</summary>
    /// <param name="Version">Null when there is no record.</param>
    /// <param name="Items">The page's items as <see cref="Timeline.TimelineItemJson.Columns"/>, in timeline order; the caller disposes them.</param>
    /// <param name="Documents">The page's stored documents (UTF-8 JSON), read when a row was not <see cref="Timeline.TimelineItemJson.Rows.Complete"/> (else null).</param>
    public sealed record TimelinePage(long? Version, bool Erased, DateTimeOffset? ErasedAt, Timeline.TimelineItemJson.Rows Items, List<byte[]>? Documents);

    /// <summary>
    /// A record's version (null when there is no record), whether it was erased (the check <see cref="ErasureAsync"/>
    /// makes for other reads, here in the same statement) and one page of its entries' item fields
    /// (<see cref="Timeline.TimelineItemJson.Columns"/>) in timeline order: sort keys after <paramref name="afterCursor"/>,
    /// from <paramref name="fromKey"/> on and below <paramref name="beforeKey"/> (<see cref="Recording.RecordedEntry.SortKeyBound"/>),
    /// as two statements in one round trip, the page on the patient-and-sort-key index. Without a cursor the lower bound
    /// is inclusive, so a document written before sort keys existed (an empty key, until a rebuild repairs it) still
    /// shows on the first page, as it did. A page with a document of another shape is read again as whole documents.
    /// Marten's batch of a stream-state read and a LINQ page cost the LINQ planning and an asynchronous deserialization
    /// per document, the largest part of a timeline page's API time; one statement joining both needed a sort of the
    /// page's documents (docs/benchmarks.md, issue 23's fourth pass).
    /// </summary>
    /// <param name="knownVersion">The record version whose page the caller already holds (<see cref="Timeline.TimelinePages"/>;
    /// 0 for none): when the page statement finds the record still there, it reads no rows.</param>
    public async Task<TimelinePage> TimelinePageAsync(Guid patientId, string? afterCursor, string fromKey, string beforeKey, int take, long knownVersion, CancellationToken cancellation)
    {
        var tenant = sessions.Buckets.TenantOf(patientId);
        // One lower bound: no key equals a bare bound (keys go on with "/" and the entry id), so after the cursor and
        // from the bound is after whichever is greater; ordinal order agrees with the database's for these characters.
        var (lower, comparison) = afterCursor is null ? (fromKey, ">=")
            : (string.CompareOrdinal(afterCursor, fromKey) >= 0 ? afterCursor : fromKey, ">");
        await using var connection = await sessions.OpenConnectionAsync(tenant, cancellation);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"""
                    select s.version, {ErasureFields("r.data")} from {Streams} s
                    left join {PatientRecords} r on r.id = s.id and r.tenant_id = s.tenant_id
                    where s.id = $1 and s.tenant_id = $2
                    """)
                {
                    Parameters = { new() { Value = patientId }, new() { Value = tenant } },
                },
            },
        };
        // The page only when the record is not at the version whose page the caller already holds: PostgreSQL evaluates the
        // condition once, before the scan (a one-time filter).
        var page = new NpgsqlBatchCommand(PageSql(Timeline.TimelineItemJson.Columns, $"and (select v.version from {Streams} v where v.id = $2 and v.tenant_id = $1) <> $6"));
        page.Parameters.AddRange(PageParameters());
        page.Parameters.Add(new() { Value = knownVersion });
        batch.BatchCommands.Add(page);
        await using var reader = await batch.ExecuteReaderAsync(cancellation);
        var (version, (erased, erasedAt)) = await reader.ReadAsync(cancellation) ? (reader.GetInt64(0), ErasureOf(reader, 1)) : ((long?)null, (false, (DateTimeOffset?)null));
        await reader.NextResultAsync(cancellation);
        var items = new Timeline.TimelineItemJson.Rows(take);
        while (await reader.ReadAsync(cancellation))
        {
            items.Add(reader);
        }

        await reader.DisposeAsync();
        if (items.Complete)
        {
            return new TimelinePage(version, erased, erasedAt, items, null);
        }

        // Rare: a document written before one of the fields existed. The page again, whole, for the objects.
        await using var whole = new NpgsqlCommand(PageSql("data"), connection);
        whole.Parameters.AddRange(PageParameters());
        await using var documentsReader = await whole.ExecuteReaderAsync(cancellation);
        var documents = new List<byte[]>(take);
        while (await documentsReader.ReadAsync(cancellation))
        {
            documents.Add(JsonbBytes(documentsReader, 0));
        }

        return new TimelinePage(version, erased, erasedAt, items, documents);

        string PageSql(string selected, string unlessKnown = "") => $"""
            select {selected} from {RecordedEntries}
            where tenant_id = $1 and CAST(data ->> 'patientId' as uuid) = $2
              and data ->> 'sortKey' {comparison} $3 and data ->> 'sortKey' < $4 {unlessKnown}
            order by data ->> 'sortKey'
            limit $5
            """;

        NpgsqlParameter[] PageParameters() => [new() { Value = tenant }, new() { Value = patientId }, new() { Value = lower }, new() { Value = beforeKey }, new() { Value = take }];
    }

    /// <summary>
    /// Moves the tenant's database's event sequence past the highest stored event when it has fallen behind, and tells
    /// whether it had. It falls behind after PostgreSQL crashes: numbers the sequence handed out are durable only once a
    /// commit that used them is, and Marten fills the numbers of a failed commit with tombstone events, so the recovered
    /// sequence can hand out numbers that tombstones hold (docs/reliability-decisions.md). Never moves it back.
    /// </summary>
    public async Task<bool> CatchUpEventSequenceAsync(string tenant, CancellationToken cancellation)
    {
        await using var connection = await sessions.OpenConnectionAsync(tenant, cancellation);
        await using var command = new NpgsqlCommand($"""
            select setval('{EventSequence}', stored.highest)
            from (select max(seq_id) as highest from {Events}) stored, {EventSequence} sequence
            where stored.highest > sequence.last_value
            """, connection);
        return await command.ExecuteScalarAsync(cancellation) is not null;
    }

    /// <summary>A jsonb column's text as UTF-8 bytes (Npgsql's jsonb reading, which drops the format's version byte).</summary>
    internal static byte[] JsonbBytes(NpgsqlDataReader reader, int column) => reader.GetFieldValue<byte[]>(column);

    /// <summary>Runs on the tenant's shard; the tenant id is the last parameter (after <paramref name="parameters"/>: $1 without any, $2 after one).</summary>
    private async Task<List<TRow>> ReadAsync<TRow>(string tenant, string sql, object[] parameters, Func<NpgsqlDataReader, TRow> row, CancellationToken cancellation)
    {
        var rows = new List<TRow>();
        await foreach (var item in RowsAsync(tenant, sql, parameters, row, cancellation))
        {
            rows.Add(item);
        }

        return rows;
    }

    /// <summary>The rows of <see cref="ReadAsync"/>'s query handed out as they arrive, each read from the reader's buffer.</summary>
    private async IAsyncEnumerable<TRow> RowsAsync<TRow>(string tenant, string sql, object[] parameters, Func<NpgsqlDataReader, TRow> row, [EnumeratorCancellation] CancellationToken cancellation)
    {
        await using var connection = await sessions.OpenConnectionAsync(tenant, cancellation);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        command.Parameters.AddWithValue(tenant);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            yield return row(reader);
        }
    }
}
