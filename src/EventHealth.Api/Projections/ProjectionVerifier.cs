using System.Diagnostics;
using System.Text.Json;
using EventHealth.Daily;
using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Recording;
using EventHealth.Timeline;
using Marten;
using JasperFx.Events;
using Marten.Events;

namespace EventHealth.Projections;

/// <param name="Lifecycle">inline or async (async ones are awaited until they have caught up before comparing).</param>
/// <param name="FirstDifference">Where the first unequal document differs, without the values (operators see no record
/// contents), e.g. "RecordedEntry 3f…/9a…: $.summary: live a string of 8 characters, rebuilt a string of 40 characters".</param>
public sealed record ProjectionReport(
    string Projection,
    string Lifecycle,
    int DocumentsCompared,
    int Unequal,
    int Repaired,
    bool Equal,
    string? FirstDifference);

public sealed record RebuildReport(
    DateTimeOffset StartedAt,
    double Seconds,
    int Streams,
    long Events,
    bool AllEqual,
    IReadOnlyList<ProjectionReport> Projections);

/// <summary>
/// Rebuilds every projection of every record from the event log (through the same projection code: Marten's live
/// aggregation for snapshots, the shared pure functions for the entry documents), compares each rebuilt document
/// with the live one, and reports. With <c>repair</c>, unequal live documents are replaced by the rebuilt ones.
/// </summary>
public sealed class ProjectionVerifier(IDocumentStore store, Sharding.TenantSessions sessions, EventStoreQueries queries, TimelinePages pages, TimeProvider clock, ILogger<ProjectionVerifier> logger)
{
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(2);
    private const int MaxAttemptsPerStream = 5;

    /// <summary>Events read and folded at a time: a record's events are streamed a window per query and never held whole.</summary>
    internal const int EventWindow = 1_000;

    public async Task<RebuildReport> RunAsync(bool repair, CancellationToken cancellation)
    {
        var started = clock.GetUtcNow();

        // Async projections first finish what the live system has already appended, so "live" means caught up.
        // The reported time starts after that: it is the rebuild's own cost, not the projection daemon's backlog.
        await store.WaitForNonStaleProjectionDataAsync(CatchUpTimeout);
        var stopwatch = Stopwatch.StartNew();

        var records = new Tally("PatientRecord", "inline");
        var entries = new Tally("RecordedEntry", "inline");
        var days = new Tally("PatientDays", "async");
        var alerts = new Tally("RecordAlerts", "inline");
        long eventCount = 0;
        // Every bucket's streams, each compared on its own shard.
        var streams = new List<(Guid Id, long Version)>();
        foreach (var bucket in sessions.Buckets.AllBuckets)
        {
            streams.AddRange(await queries.StreamVersionsAsync(bucket, cancellation));
        }

        // What a record holds in memory is bounded by the window, whatever its length (CompareStreamAsync), so records
        // go side by side, the longest first: a long record started last would run alone at the end on one core's worth
        // of work.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellation };
        // A stack, not a ConcurrentBag: a bag keeps what it holds in thread-local storage, alive past the call.
        var setsDone = new System.Collections.Concurrent.ConcurrentStack<RecordSets>();
        await Parallel.ForEachAsync(streams.OrderByDescending(s => s.Version), parallel, async (stream, token) =>
        {
            var sets = setsDone.TryPop(out var done) ? done : new RecordSets(new(), new(0));
            try
            {
                var read = await CompareStreamAsync(stream.Id, repair, records, entries, days, alerts, token, sets);
                Interlocked.Add(ref eventCount, read);
            }
            finally
            {
                setsDone.Push(sets);
            }
        });

        var reports = new[] { records.Report(), entries.Report(), days.Report(), alerts.Report() };
        var report = new RebuildReport(started, Math.Round(stopwatch.Elapsed.TotalSeconds, 3), streams.Count, eventCount,
            reports.All(r => r.Equal), reports);
        // Entry documents compared in full are the slow path (their digests differed, or one side was missing): many of
        // them on a healthy store mean the digests no longer see the documents alike.
        logger.LogInformation("Projection rebuild compared {Streams} streams, {Events} events in {Seconds} s; all equal: {AllEqual}; entry documents compared in full: {EntriesInFull}",
            report.Streams, report.Events, report.Seconds, report.AllEqual, entries.InFull);
        return report;
    }

    /// <summary>
    /// Rebuilds one record's projections from its events and replaces every live document that differs: what an
    /// erasure runs after masking the events, so the documents hold exactly what a full rebuild would give.
    /// </summary>
    public async Task<int> RepairStreamAsync(Guid streamId, CancellationToken cancellation)
    {
        Tally records = new("PatientRecord", "inline"), entries = new("RecordedEntry", "inline"), days = new("PatientDays", "async"),
            alerts = new("RecordAlerts", "inline");
        await CompareStreamAsync(streamId, repair: true, records, entries, days, alerts, cancellation);
        return records.Repaired + entries.Repaired + days.Repaired + alerts.Repaired;
    }

    /// <summary>
    /// The large sets one record's comparison fills (its entries' digests, its live documents', what the daily fold keeps
    /// for retractions), handed to the next record compared on the same lane of a rebuild: sized for the longest record
    /// (compared first) once, not allocated again for each (docs/benchmarks.md, issue 23's twenty-fifth pass).
    /// </summary>
    private sealed record RecordSets(RebuiltEntries.DigestSets Digests, Daily.FoldedEntries Folded);

    /// <summary>Compares (and with <paramref name="repair"/> replaces) one stream's documents; answers how many events it read.</summary>
    /// <param name="setsBefore">An earlier comparison's sets (done with them), to empty and fill again; null for new ones.</param>
    private async Task<long> CompareStreamAsync(Guid streamId, bool repair, Tally records, Tally entries, Tally days, Tally alerts, CancellationToken token,
        RecordSets? setsBefore = null)
    {
        // Marten's own aggregator folds the record's snapshot, continuing from the previous window's result; the daily
        // summaries are folded by their projection's own code (DailySummariesProjection).
        var recordAggregator = ((DocumentStore)store).Options.Projections.AggregatorFor<PatientRecord>();
        for (var attempt = 1; ; attempt++)
        {
            // Per-attempt tallies: a stream that moved while it was compared (an email's "sent" event, a new
            // entry) is compared again, so a live write is never mistaken for drift.
            var (streamRecords, streamEntries, streamDays, streamAlerts) = (records.Empty(), entries.Empty(), days.Empty(), alerts.Empty());
            await using var session = sessions.WriteFor(streamId);
            // The aggregators may read while the events are still streaming on their own connection (a retraction
            // recounts its day from the record's events).
            await using var foldSession = sessions.QueryFor(streamId);

            // The live snapshots and the stream's version in one round trip, then the events in one streamed query.
            var batch = session.CreateBatchQuery();
            var stateRead = batch.Events.FetchStreamState(streamId);
            var liveRecordRead = batch.Load<PatientRecord>(streamId);
            var liveDaysRead = batch.Load<PatientDays>(streamId);
            var liveMonthsRead = batch.Query<PatientMonth>().Where(m => m.PatientId == streamId).ToList();
            var liveAlertsRead = batch.Load<Alerts.RecordAlerts>(streamId);
            await batch.Execute(token);
            var state = await stateRead;

            PatientRecord? rebuiltRecord = null;
            PatientDays? rebuiltDays = null;
            var rebuiltMonths = new Dictionary<string, PatientMonth>(StringComparer.Ordinal);
            Alerts.RecordAlerts? rebuiltAlerts = null;
            var rebuiltEntries = new RebuiltEntries(streamId, state?.Version ?? 0, new RebuiltEntries.Sources(
                versions => queries.EventsAtAsync(session, streamId, versions, token),
                ids => queries.EntriesAsync(session, ids, token),
                scan => queries.EntryDigestsOfAsync(session, streamId, scan)), setsBefore?.Digests);
            long eventsRead = 0, lastVersion = 0;

            // The live entry documents stream past and are digested on a task of their own while the events are folded.
            using var stopLiveScan = CancellationTokenSource.CreateLinkedTokenSource(token);
            var liveScan = Task.Run(() => rebuiltEntries.DigestLiveAsync(stopLiveScan.Token), CancellationToken.None);
            try
            {
                // Reading (Npgsql, Marten's event deserialization) and folding are both CPU work: a second task reads the
                // next windows while this one folds, so that a long record uses both cores (docs/benchmarks.md, issue 23's
                // third pass).
                await foreach (var window in ReadWindowsAsync(session, streamId, token))
                {
                    // The snapshot and the daily summaries, and the entry documents and alerts, fold the same window apart:
                    // neither reads what the other builds, so a long record's fold uses the second core too.
                    var (recordSoFar, daysSoFar) = (rebuiltRecord, rebuiltDays ?? PatientDays.ForRecordOf(state?.Version ?? 0, setsBefore?.Folded));
                    var snapshots = Task.Run(async () =>
                    {
                        var record = await recordAggregator.BuildAsync(window, foldSession, recordSoFar, token);
                        foreach (var @event in window)
                        {
                            await daysSoFar.FoldAsync(@event, foldSession);
                        }

                        PatientMonth.ApplyAll(rebuiltMonths, streamId, daysSoFar.TakeChanges());
                        return (record, daysSoFar);
                    }, token);
                    try
                    {
                        await rebuiltEntries.RecallAsync(window);
                        foreach (var @event in window)
                        {
                            rebuiltAlerts = Alerts.RecordAlerts.Next(rebuiltAlerts, streamId, @event);
                            TimelineReplay.Apply(rebuiltEntries.Working, @event);
                        }

                        rebuiltEntries.Digest();
                    }
                    finally
                    {
                        // The aggregators read through the fold session: never leave them running when this stream's
                        // comparison ends early (a failed query, cancellation), or the session would go from under them.
                        (rebuiltRecord, rebuiltDays) = await snapshots;
                    }

                    eventsRead += window.Count;
                    lastVersion = window[^1].Version;
                }

                rebuiltEntries.MatchLive(await liveScan);
            }
            finally
            {
                // A comparison that ends early (a failed query, cancellation) stops the scan and waits for it to let go of its connection.
                if (!liveScan.IsCompleted)
                {
                    await stopLiveScan.CancelAsync();
                    await ((Task)liveScan).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }

            Compare(streamRecords, streamId.ToString(), await liveRecordRead, rebuiltRecord, session, repair);
            Compare(streamDays, streamId.ToString(), await liveDaysRead, rebuiltDays, session, repair);
            // A month the entries' retractions emptied is no document at all, as the projection deletes it.
            var liveMonths = (await liveMonthsRead).ToDictionary(m => m.Id, StringComparer.Ordinal);
            foreach (var id in liveMonths.Keys.Union(rebuiltMonths.Keys).Order(StringComparer.Ordinal))
            {
                var rebuiltMonth = rebuiltMonths.GetValueOrDefault(id);
                Compare(streamDays, id, liveMonths.GetValueOrDefault(id), rebuiltMonth is { IsEmpty: false } ? rebuiltMonth : null, session, repair);
            }

            Compare(streamAlerts, streamId.ToString(), await liveAlertsRead, rebuiltAlerts, session, repair);

            // Entries whose digests matched their live documents' are equal; those that differ, and documents on one side
            // only, are compared in full.
            streamEntries.Compared += rebuiltEntries.EqualByDigest;
            streamEntries.InFull += rebuiltEntries.ComparedInFull;
            await foreach (var (id, rebuilt, live) in rebuiltEntries.UnequalCandidatesAsync())
            {
                Compare(streamEntries, id, live, rebuilt, session, repair);
            }

            // The snapshots were read no later than the events and the entry documents along and after them: if the
            // stream's version before or after differs from the last event read, it moved in between.
            var foldedThrough = eventsRead == 0 ? (long?)null : lastVersion;
            var moved = state?.Version != foldedThrough || (await session.Events.FetchStreamStateAsync(streamId, token))?.Version != foldedThrough;
            if (moved && attempt < MaxAttemptsPerStream)
            {
                continue;
            }

            lock (records)
            {
                records.Add(streamRecords);
                entries.Add(streamEntries);
                days.Add(streamDays);
                alerts.Add(streamAlerts);
            }

            if (repair)
            {
                await session.SaveChangesAsync(token);
                // Documents changed without a new version: pages kept by version may hold what they replaced (or, after an
                // erasure, what it removed).
                pages.Forget();
            }

            return eventsRead;
        }
    }

    /// <summary>
    /// A stream's events in version order, <see cref="EventWindow"/> at a time, read ahead on another task
    /// (at most two windows wait, so memory stays bounded whatever the record's length).
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<IEvent>> ReadWindowsAsync(IQuerySession session, Guid streamId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var windows = System.Threading.Channels.Channel.CreateBounded<IReadOnlyList<IEvent>>(
            new System.Threading.Channels.BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var window in queries.StreamEventWindowsAsync(session, streamId, EventWindow, stop.Token))
                {
                    await windows.Writer.WriteAsync(window, stop.Token);
                }

                windows.Writer.TryComplete();
            }
            catch (Exception e)
            {
                windows.Writer.TryComplete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var window in windows.Reader.ReadAllAsync(token))
            {
                yield return window;
            }
        }
        finally
        {
            // The consumer stopped early (it failed, or was cancelled): the reader stops too before the session goes.
            stop.Cancel();
            await reading;
        }
    }

    private static void Compare<T>(Tally tally, string id, T? live, T? rebuilt, IDocumentSession session, bool repair)
        where T : notnull
    {
        if (live is null && rebuilt is null)
        {
            return;
        }

        tally.Compared++;
        if (Difference(live, rebuilt) is not { } difference)
        {
            return;
        }

        tally.Unequal++;
        tally.FirstDifference ??= $"{tally.Name} {id}: {difference}";
        if (repair)
        {
            if (rebuilt is null)
            {
                session.Delete(live!);
            }
            else
            {
                session.Store(rebuilt);
            }

            tally.Repaired++;
        }
    }

    /// <summary>Where the two documents' JSON first differs (see <see cref="FirstDifference"/>); null when they are equal.</summary>
    private static string? Difference<T>(T? live, T? rebuilt)
        where T : notnull
    {
        var liveJson = live is null ? null : JsonSerializer.SerializeToUtf8Bytes(live, JsonSetup.Options);
        var rebuiltJson = rebuilt is null ? null : JsonSerializer.SerializeToUtf8Bytes(rebuilt, JsonSetup.Options);
        if (liveJson is not null && rebuiltJson is not null && liveJson.AsSpan().SequenceEqual(rebuiltJson))
        {
            return null; // the common case, decided without building two JSON trees
        }

        return FirstDifference(
            liveJson is null ? default : JsonDocument.Parse(liveJson).RootElement,
            rebuiltJson is null ? default : JsonDocument.Parse(rebuiltJson).RootElement,
            "$");
    }

    /// <summary>The first path at which two JSON values differ, with both sides; null when equal.</summary>
    public static string? FirstDifference(JsonElement live, JsonElement rebuilt, string path)
    {
        if (live.ValueKind != rebuilt.ValueKind)
        {
            return $"{path}: live {Describe(live)}, rebuilt {Describe(rebuilt)}";
        }

        switch (live.ValueKind)
        {
            case JsonValueKind.Object:
                var names = live.EnumerateObject().Select(p => p.Name).Union(rebuilt.EnumerateObject().Select(p => p.Name));
                foreach (var name in names)
                {
                    var left = live.TryGetProperty(name, out var l) ? l : default;
                    var right = rebuilt.TryGetProperty(name, out var r) ? r : default;
                    if (FirstDifference(left, right, $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var liveItems = live.EnumerateArray().ToList();
                var rebuiltItems = rebuilt.EnumerateArray().ToList();
                for (var i = 0; i < Math.Max(liveItems.Count, rebuiltItems.Count); i++)
                {
                    var left = i < liveItems.Count ? liveItems[i] : default;
                    var right = i < rebuiltItems.Count ? rebuiltItems[i] : default;
                    if (FirstDifference(left, right, $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Undefined:
                return null;
            default:
                return live.GetRawText() == rebuilt.GetRawText() ? null : $"{path}: live {Describe(live)}, rebuilt {Describe(rebuilt)}";
        }
    }

    /// <summary>
    /// The kind of a value, never the value: this report is read by operators, who see no record contents.
    /// The path and document id say where to look; an auditor can then read the record itself.
    /// </summary>
    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => "(missing)",
        JsonValueKind.Null => "null",
        JsonValueKind.String => $"a string of {value.GetString()!.Length} characters",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => $"an array of {value.GetArrayLength()}",
        _ => "an object",
    };

    private sealed class Tally(string name, string lifecycle)
    {
        public string Name => name;
        public int Compared { get; set; }
        public int Unequal { get; set; }
        public int Repaired { get; set; }

        /// <summary>Documents compared in full rather than by digest (<see cref="RebuiltEntries.ComparedInFull"/>).</summary>
        public int InFull { get; set; }

        public string? FirstDifference { get; set; }

        public ProjectionReport Report() => new(name, lifecycle, Compared, Unequal, Repaired, Unequal == 0, FirstDifference);

        public Tally Empty() => new(name, lifecycle);

        public void Add(Tally other)
        {
            Compared += other.Compared;
            Unequal += other.Unequal;
            Repaired += other.Repaired;
            InFull += other.InFull;
            FirstDifference ??= other.FirstDifference;
        }
    }
}
