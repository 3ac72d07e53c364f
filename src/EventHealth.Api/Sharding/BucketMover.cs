using System.Reflection;
using Marten;
using Marten.Storage;
using Npgsql;

namespace EventHealth.Sharding;

/// <summary>
/// Moves one bucket (a Marten tenant) from the shard database holding it to another: fence, copy, reassign, verify,
/// drop. Marten has no move of its own; every step that Marten does have (creating and dropping a tenant's partitions,
/// assigning a tenant to a shard) is Marten's. Each step is recorded in the control database
/// (<c>sharding.bucket_moves</c>), so a run that stops half-way is finished by running it again, or, before the bucket
/// is reassigned, undone with <see cref="RollBackAsync"/>. The runbook is docs/operations.md, "Moving a bucket".
/// </summary>
public sealed class BucketMover(IDocumentStore store, PatientBuckets buckets, DeploymentBuckets deployment, ShardingSettings settings, TimeProvider time)
{
    private const string Schema = Hosting.Database.EventStoreSchema;
    private const string Moves = DeploymentBuckets.Schema + ".bucket_moves";
    private const string FenceTrigger = "bucket_moving_fence";
    private const string FenceFunction = Schema + ".bucket_moving_refuse_write";

    /// <summary>
    /// SQLSTATE 25006 (read_only_sql_transaction): <see cref="Hosting.DatabaseUnavailable"/> answers it with 503 and
    /// Retry-After, and the handlers' retry policies treat it as a passing outage.
    /// </summary>
    private const string FenceSqlState = "25006";

    /// <summary>The async projections' documents: not copied, the target's daemon builds them from the copied events.</summary>
    private static readonly Type[] AsyncDocuments = [typeof(Daily.PatientDays), typeof(Daily.PatientMonth)];

    public enum Phase
    {
        /// <summary>Writes to the bucket are refused on the source; the target holds none, or a partial copy, of its rows.</summary>
        Fenced,

        /// <summary>Every row is on the target and verified; the assignment still names the source.</summary>
        Copied,

        /// <summary>The assignment names the target; the source still holds the (fenced) old rows.</summary>
        Reassigned,
    }

    public sealed record Move(string Tenant, string Source, string Target, Phase Phase);

    /// <summary>Per table: the rows of the bucket on the source and on the target after the copy.</summary>
    public sealed record TableCount(string Table, long Source, long Target);

    public sealed record Outcome(string Tenant, string Source, string Target, IReadOnlyList<TableCount> Tables, bool AlreadyThere);

    /// <summary>How long the async projections on the target get to catch up with the copied events.</summary>
    public TimeSpan CatchUpTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Runs the move to its end, or finishes the one a previous run left half-way.</summary>
    public async Task<Outcome> MoveAsync(string tenant, string target, Action<string> report, CancellationToken cancellation)
    {
        await ValidateAsync(tenant, target);
        await EnsureMovesTableAsync(cancellation);
        await using var exclusive = await LockAsync(tenant, cancellation);
        var assignments = await deployment.AssignmentsAsync(cancellation);
        var move = await ReadMoveAsync(tenant, cancellation);
        if (move is null)
        {
            var current = assignments.GetValueOrDefault(tenant)
                ?? throw new InvalidOperationException($"{tenant} is not assigned to any shard: provision the deployment first (`resources setup`).");
            if (current == target)
            {
                report($"{tenant} is on {target} already; nothing to do.");
                return new Outcome(tenant, current, target, [], AlreadyThere: true);
            }

            move = new Move(tenant, current, target, Phase.Fenced);
            await WriteMoveAsync(move, cancellation);
        }
        else if (move.Target != target)
        {
            throw new InvalidOperationException(
                $"A move of {tenant} from {move.Source} to {move.Target} is unfinished: run `move-bucket {tenant} {move.Target}` to finish it" +
                (move.Phase < Phase.Reassigned ? $", or `move-bucket {tenant} {move.Target} --rollback` to undo it." : "."));
        }
        else
        {
            report($"Resuming the move of {tenant} from {move.Source} to {move.Target} (last step done: {move.Phase}).");
        }

        var source = await DatabaseAsync(move.Source);
        var destination = await DatabaseAsync(move.Target);
        var tables = new List<TableCount>();

        if (move.Phase < Phase.Reassigned && assignments[tenant] == move.Target)
        {
            // A run stopped between Marten's reassignment and recording it: the target is live, never copy over it again.
            move = move with { Phase = Phase.Reassigned };
            await WriteMoveAsync(move, cancellation);
        }

        if (move.Phase < Phase.Reassigned)
        {
            await FenceAsync(source, tenant, cancellation);
            report($"1/6 fenced: writes to {tenant} on {move.Source} are refused (503, Retry-After) until the move ends.");

            // Whatever an earlier run copied is dropped with its partitions: the copy always starts from empty ones.
            await RemoveBucketAsync(destination, tenant, keepFence: false, cancellation);
            await MartenPartitions.CreateAsync(store, destination, tenant, cancellation);
            // Schema pieces set per partition (Hosting.UnsampledDocumentColumns) reach the partitions just made.
            await destination.ApplyAllConfiguredChangesToDatabaseAsync(ct: cancellation);
            tables.AddRange(await CopyAsync(source, destination, tenant, cancellation));
            foreach (var table in tables)
            {
                report($"2/6 copied {table.Table}: {table.Source} row(s), {table.Target} on {move.Target}.");
            }

            await VerifyAsync(source, destination, tenant, (await CopiedTablesAsync(source, tenant, cancellation)).Select(t => t.Name), cancellation);
            // The target's daemon builds the async projections from the copied events whatever the assignment says;
            // checked while the source is fenced, so that both sides hold the same events.
            await WaitForAsyncDocumentsAsync(source, destination, tenant, cancellation);
            report($"3/6 verified: every table of {tenant} holds the same rows on {move.Target} as on {move.Source} (events in the same order, " +
                "daily summaries built by the target's daemon equal).");
            move = move with { Phase = Phase.Copied };
            await WriteMoveAsync(move, cancellation);

            // Marten's explicit assignment: the registry row names the target (and is enabled), the partitions exist.
            await store.Advanced.AddTenantToShardAsync(tenant, move.Target, cancellation);
            await RevokeAuditChangesAsync(destination, cancellation);
            move = move with { Phase = Phase.Reassigned };
            await WriteMoveAsync(move, cancellation);
            report($"4/6 reassigned: {tenant} is on {move.Target} in {DeploymentBuckets.Schema}.mt_tenant_assignments.");
        }

        // Running API nodes learn of the reassignment within one refresh (BucketAssignmentRefresh). Until then a node may
        // still read the source's (fenced, identical) rows and is refused its writes: wait that out before dropping them.
        var settle = settings.AssignmentRefreshInterval * 2;
        report($"5/6 waiting {settle.TotalSeconds:0} s for every API node to pick up the new shard.");
        await Task.Delay(settle, time, cancellation);

        await RemoveBucketAsync(source, tenant, keepFence: true, cancellation);
        await DeleteMoveAsync(tenant, cancellation);
        report($"6/6 dropped {tenant}'s partitions and deleted its events and streams on {move.Source} (the fence stays on its event log); the move is complete.");
        return new Outcome(tenant, move.Source, move.Target, tables, AlreadyThere: false);
    }

    /// <summary>Undoes a move that has not reassigned the bucket: drops the partial copy, lifts the fence.</summary>
    public async Task RollBackAsync(string tenant, Action<string> report, CancellationToken cancellation)
    {
        await EnsureMovesTableAsync(cancellation);
        await using var exclusive = await LockAsync(tenant, cancellation);
        var move = await ReadMoveAsync(tenant, cancellation);
        if (move is null)
        {
            report($"No move of {tenant} is under way.");
            return;
        }

        if (move.Phase >= Phase.Reassigned || (await deployment.AssignmentsAsync(cancellation))[tenant] == move.Target)
        {
            throw new InvalidOperationException(
                $"{tenant} is already assigned to {move.Target} and may have taken writes there: finish the move with `move-bucket {tenant} {move.Target}`, then move it back.");
        }

        await RemoveBucketAsync(await DatabaseAsync(move.Target), tenant, keepFence: false, cancellation);
        await using (var connection = await OpenAsync(await DatabaseAsync(move.Source), cancellation))
        {
            await LiftFenceAsync(connection, tenant, cancellation);
        }
        await DeleteMoveAsync(tenant, cancellation);
        report($"Rolled back: {tenant} stays on {move.Source}, its copy on {move.Target} is dropped and its writes are accepted again.");
    }

    private async Task ValidateAsync(string tenant, string target)
    {
        if (!buckets.AllTenants.Contains(tenant))
        {
            throw new ArgumentException($"'{tenant}' is not a bucket of this deployment (b000 … {PatientBuckets.TenantId(buckets.Count - 1)}, {PatientBuckets.CommonTenant}).", nameof(tenant));
        }

        var pool = store.Options.Tenancy as Weasel.Core.MultiTenancy.ITenantDatabasePool
            ?? throw new InvalidOperationException("Moving a bucket needs Marten's sharded tenancy.");
        var shards = (await pool.ListDatabasesAsync(CancellationToken.None)).Select(d => d.DatabaseId).ToList();
        if (!shards.Contains(target))
        {
            throw new ArgumentException($"'{target}' is not a shard of this deployment ({string.Join(", ", shards)}).", nameof(target));
        }
    }

    private async Task<IMartenDatabase> DatabaseAsync(string shardId)
    {
        await store.Options.Tenancy.BuildDatabases();
        return await store.Storage.FindOrCreateDatabase(shardId);
    }

    /// The fence: a trigger refusing every row of the bucket written, changed or deleted on the source, on each of the
    /// bucket's partitions and on the tables Marten does not partition (the event log: mt_streams, mt_events). It is in
    /// the database, so every API node meets it whatever its cached assignment says; creating it waits for the writes
    /// already under way, so the copy sees all of them.
    /// </summary>
    private async Task FenceAsync(IMartenDatabase source, string tenant, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(source, cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        await ExecuteAsync(connection, $$"""
            create or replace function {{FenceFunction}}() returns trigger language plpgsql as $fence$
            begin
              if (case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end) = tg_argv[0]
                 or (tg_op = 'UPDATE' and old.tenant_id = tg_argv[0]) then
                raise exception 'bucket % is moving to another shard; retry shortly', tg_argv[0]
                  using errcode = '{{FenceSqlState}}', hint = 'docs/operations.md, Moving a bucket';
              end if;
              return case when tg_op = 'DELETE' then old else new end;
            end
            $fence$;
            """, cancellation);
        foreach (var table in await BucketTablesAsync(connection, tenant, cancellation))
        {
            if (table.Async)
            {
                // The daemon only follows events, which the fence stops; it must stay free to finish the ones already
                // written (a refused daemon write would stall the projection for every bucket of the shard).
                continue;
            }

            await ExecuteAsync(connection, $"""
                drop trigger if exists {FenceTrigger}_{tenant} on {table.Fenced};
                create trigger {FenceTrigger}_{tenant} before insert or update or delete on {table.Fenced}
                  for each row execute function {FenceFunction}('{tenant}');
                """, cancellation);
        }

        await transaction.CommitAsync(cancellation);
    }

    private async Task LiftFenceAsync(NpgsqlConnection connection, string tenant, CancellationToken cancellation)
    {
        foreach (var table in await BucketTablesAsync(connection, tenant, cancellation))
        {
            await ExecuteAsync(connection, $"drop trigger if exists {FenceTrigger}_{tenant} on {table.Fenced}", cancellation);
        }
    }

    /// <summary>A table holding rows of the bucket: its name, and where the fence goes (the bucket's partition, or the table).</summary>
    private sealed record BucketTable(string Name, string Fenced, bool Partitioned, bool Async);

    /// <summary>
    /// The tables of the event store's schema holding rows of the bucket, streams before events before documents: those
    /// Marten partitions by tenant (with the bucket's partition), and the event log, which it does not partition here
    /// (conjoined). The daemon's own tables (progression, projection floors) count in seq_ids of the shard and do not move.
    /// </summary>
    private async Task<List<BucketTable>> BucketTablesAsync(NpgsqlConnection connection, string tenant, CancellationToken cancellation)
    {
        var asyncTables = AsyncDocuments.Select(AsyncTable).ToHashSet(StringComparer.Ordinal);
        var tables = await ReadAsync(connection, $"""
            select p.relname, format('%I.%I', n.nspname, c.relname), true
            from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
              join pg_namespace n on n.oid = p.relnamespace
            where n.nspname = '{Schema}' and pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', '{tenant}')
            union all
            select c.relname, format('%I.%I', n.nspname, c.relname), false
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = '{Schema}' and c.relkind = 'r' and not c.relispartition and c.relname in ('mt_streams', 'mt_events')
            """, reader => new BucketTable(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), false), cancellation);
        return [.. tables.Select(t => t with { Async = asyncTables.Contains(t.Name) })
            .OrderBy(t => t.Name switch { "mt_streams" => 0, "mt_events" => 1, _ => 2 }).ThenBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>The tables whose rows of the bucket are copied: all but the async projections' documents.</summary>
    private async Task<List<BucketTable>> CopiedTablesAsync(IMartenDatabase source, string tenant, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(source, cancellation);
        return [.. (await BucketTablesAsync(connection, tenant, cancellation)).Where(t => !t.Async)];
    }

    /// <summary>
    /// Removes the bucket from one shard database: Marten drops its partitions (with the fence triggers on them); its
    /// rows in the tables Marten does not partition are deleted, events before their streams. With
    /// <paramref name="keepFence"/> the fence stays on those tables: a node that missed the reassignment for longer than
    /// the settle wait is refused (503) instead of appending the bucket's events to a shard that no longer serves it.
    /// </summary>
    private async Task RemoveBucketAsync(IMartenDatabase database, string tenant, bool keepFence, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(database, cancellation);
        var unpartitioned = (await BucketTablesAsync(connection, tenant, cancellation)).Where(t => !t.Partitioned).ToList();
        await MartenPartitions.DropAsync(store, database, tenant, cancellation);
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        foreach (var table in Enumerable.Reverse(unpartitioned))
        {
            await ExecuteAsync(connection, $"drop trigger if exists {FenceTrigger}_{tenant} on {table.Fenced}", cancellation);
            await ExecuteAsync(connection, $"delete from {table.Fenced} where tenant_id = '{tenant}'", cancellation);
            if (keepFence)
            {
                await ExecuteAsync(connection,
                    $"create trigger {FenceTrigger}_{tenant} before insert or update or delete on {table.Fenced} for each row execute function {FenceFunction}('{tenant}')",
                    cancellation);
            }
        }

        await transaction.CommitAsync(cancellation);
    }

    private string AsyncTable(Type document) => store.Options.FindOrResolveDocumentType(document) is var mapping
        ? ((Marten.Schema.DocumentMapping)mapping).TableName.Name
        : throw new InvalidOperationException($"{document.Name} is not a document type.");

    /// <summary>
    /// Binary COPY of each table's rows of the bucket into a staging table on the target, then into the table, in one
    /// transaction. Events are inserted in their original order and take new seq_ids from the target's one event
    /// sequence; every other column (ids, versions, timestamps, metadata, headers) is copied as it is.
    /// </summary>
    private async Task<List<TableCount>> CopyAsync(IMartenDatabase source, IMartenDatabase destination, string tenant, CancellationToken cancellation)
    {
        var tables = (await CopiedTablesAsync(source, tenant, cancellation)).Select(t => t.Name).ToList();
        await using var from = await OpenAsync(source, cancellation);
        await using var to = await OpenAsync(destination, cancellation);
        await using var transaction = await to.BeginTransactionAsync(cancellation);
        var counts = new List<TableCount>();
        foreach (var table in tables)
        {
            var columns = await ReadAsync(from, $"""
                select quote_ident(column_name) from information_schema.columns
                where table_schema = '{Schema}' and table_name = '{table}' and is_generated = 'NEVER'
                order by ordinal_position
                """, reader => reader.GetString(0), cancellation);
            var list = string.Join(", ", columns);
            var stage = $"move_stage_{table}";
            await ExecuteAsync(to, $"create temp table {stage} (like {Schema}.{table}) on commit drop", cancellation);

            await using (var reader = await from.BeginRawBinaryCopyAsync($"copy (select {list} from {Schema}.{table} where tenant_id = '{tenant}') to stdout (format binary)", cancellation))
            await using (var writer = await to.BeginRawBinaryCopyAsync($"copy {stage} ({list}) from stdin (format binary)", cancellation))
            {
                await reader.CopyToAsync(writer, cancellation);
            }

            var insert = columns.Contains("seq_id")
                // Volatile functions in the select list are evaluated after the ORDER BY: new seq_ids keep the old order.
                ? $"insert into {Schema}.{table} ({list}) select {list.Replace("seq_id", $"nextval('{Schema}.mt_events_sequence')", StringComparison.Ordinal)} from {stage} order by seq_id"
                : $"insert into {Schema}.{table} ({list}) select {list} from {stage}";
            var inserted = await ExecuteAsync(to, insert, cancellation);
            var sourceCount = (await ReadAsync(from, $"select count(*) from {Schema}.{table} where tenant_id = '{tenant}'", r => r.GetInt64(0), cancellation)).Single();
            counts.Add(new TableCount(table, sourceCount, inserted));
        }

        await transaction.CommitAsync(cancellation);
        return counts;
    }

    /// <summary>
    /// Each table's rows of the bucket are the same on both sides: same count and the same fingerprint over every column
    /// but seq_id, taken in seq_id order for events (so each stream's versions and event ids come in the same order) and
    /// in row order otherwise.
    /// </summary>
    private static async Task VerifyAsync(IMartenDatabase source, IMartenDatabase destination, string tenant, IEnumerable<string> tables, CancellationToken cancellation)
    {
        foreach (var table in tables)
        {
            var expected = await FingerprintAsync(source, table, tenant, everyColumn: true, cancellation);
            var actual = await FingerprintAsync(destination, table, tenant, everyColumn: true, cancellation);
            if (expected != actual)
            {
                throw new InvalidOperationException(
                    $"{table}: the copy of {tenant} differs from the source ({expected.Rows} rows on the source, {actual.Rows} on the target); " +
                    "nothing was reassigned, run the move again.");
            }
        }
    }

    /// <summary>The async projections' documents on the target, built by its daemon, equal the source's (ids and data).</summary>
    private async Task WaitForAsyncDocumentsAsync(IMartenDatabase source, IMartenDatabase destination, string tenant, CancellationToken cancellation)
    {
        var deadline = time.GetUtcNow() + CatchUpTimeout;
        foreach (var table in AsyncDocuments.Select(AsyncTable))
        {
            var expected = await FingerprintAsync(source, table, tenant, everyColumn: false, cancellation);
            while (await FingerprintAsync(destination, table, tenant, everyColumn: false, cancellation) != expected)
            {
                if (time.GetUtcNow() > deadline)
                {
                    throw new TimeoutException(
                        $"{table} of {tenant} on the target has not caught up with the copied events within {CatchUpTimeout.TotalSeconds:0} s " +
                        "(is an API node running the target's projections?). Nothing was reassigned: run the move again, or roll it back.");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellation);
            }
        }
    }

    private readonly record struct Fingerprint(long Rows, string? Hash);

    private static async Task<Fingerprint> FingerprintAsync(IMartenDatabase database, string table, string tenant, bool everyColumn, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(database, cancellation);
        var hasSequence = (await ReadAsync(connection, $"""
            select count(*) from information_schema.columns where table_schema = '{Schema}' and table_name = '{table}' and column_name = 'seq_id'
            """, r => r.GetInt64(0), cancellation)).Single() > 0;
        var row = everyColumn ? "(to_jsonb(t) - 'seq_id')::text" : "jsonb_build_array(t.id, t.data)::text";
        var order = hasSequence ? "t.seq_id" : row;
        var result = await ReadAsync(connection, $"""
            set timezone = 'UTC';
            select count(*), md5(string_agg({row}, E'\n' order by {order})) from {Schema}.{table} t where t.tenant_id = '{tenant}'
            """, r => new Fingerprint(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), cancellation);
        return result.Single();
    }

    /// <summary>
    /// New partitions of the access audit get the API role's default privileges (UPDATE and DELETE among them); the
    /// audit is append-only, as ops/db/create-api-role.sh leaves its other partitions.
    /// </summary>
    private static async Task RevokeAuditChangesAsync(IMartenDatabase destination, CancellationToken cancellation)
    {
        await using var connection = await OpenAsync(destination, cancellation);
        await ExecuteAsync(connection, $$"""
            do $revoke$ declare partition regclass; begin
              if exists (select from pg_roles where rolname = '{{Access.AccessAuditGuard.ApiRole}}') and to_regclass('{{Access.AccessAuditGuard.Table}}') is not null then
                for partition in select inhrelid::regclass from pg_inherits where inhparent = to_regclass('{{Access.AccessAuditGuard.Table}}') loop
                  execute format('revoke update, delete, truncate on %s from %I', partition, '{{Access.AccessAuditGuard.ApiRole}}');
                end loop;
              end if;
            end $revoke$;
            """, cancellation);
    }

    /// <summary>
    /// One run per bucket at a time: a session advisory lock on the control database, held by the returned connection,
    /// unpooled so that disposing it ends the session and the lock (as does the process dying).
    /// </summary>
    private async Task<NpgsqlConnection> LockAsync(string tenant, CancellationToken cancellation)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(deployment.ControlConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellation);
        var locked = (await ReadAsync(connection, $"select pg_try_advisory_lock(hashtext('eventhealth bucket move {tenant}'))", r => r.GetBoolean(0), cancellation)).Single();
        if (!locked)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"Another move-bucket run for {tenant} is under way; let it end (or stop it) first.");
        }

        return connection;
    }

    private async Task EnsureMovesTableAsync(CancellationToken cancellation)
    {
        await using var connection = await OpenControlAsync(cancellation);
        await ExecuteAsync(connection, $"""
            create table if not exists {Moves} (
              tenant_id text primary key,
              source text not null,
              target text not null,
              phase text not null,
              started_at timestamptz not null,
              updated_at timestamptz not null)
            """, cancellation);
    }

    private async Task<Move?> ReadMoveAsync(string tenant, CancellationToken cancellation)
    {
        await using var connection = await OpenControlAsync(cancellation);
        await using var command = new NpgsqlCommand($"select source, target, phase from {Moves} where tenant_id = $1", connection);
        command.Parameters.AddWithValue(tenant);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation)
            ? new Move(tenant, reader.GetString(0), reader.GetString(1), Enum.Parse<Phase>(reader.GetString(2)))
            : null;
    }

    private async Task WriteMoveAsync(Move move, CancellationToken cancellation)
    {
        await using var connection = await OpenControlAsync(cancellation);
        await using var command = new NpgsqlCommand($"""
            insert into {Moves} (tenant_id, source, target, phase, started_at, updated_at) values ($1, $2, $3, $4, $5, $5)
            on conflict (tenant_id) do update set phase = excluded.phase, updated_at = excluded.updated_at
            """, connection);
        command.Parameters.AddWithValue(move.Tenant);
        command.Parameters.AddWithValue(move.Source);
        command.Parameters.AddWithValue(move.Target);
        command.Parameters.AddWithValue(move.Phase.ToString());
        command.Parameters.AddWithValue(time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellation);
    }

    private async Task DeleteMoveAsync(string tenant, CancellationToken cancellation)
    {
        await using var connection = await OpenControlAsync(cancellation);
        await using var command = new NpgsqlCommand($"delete from {Moves} where tenant_id = $1", connection);
        command.Parameters.AddWithValue(tenant);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>Every move under way, for the operator and the tests.</summary>
    public async Task<IReadOnlyList<Move>> MovesUnderWayAsync(CancellationToken cancellation)
    {
        await EnsureMovesTableAsync(cancellation);
        await using var connection = await OpenControlAsync(cancellation);
        return await ReadAsync(connection, $"select tenant_id, source, target, phase from {Moves} order by tenant_id",
            r => new Move(r.GetString(0), r.GetString(1), r.GetString(2), Enum.Parse<Phase>(r.GetString(3))), cancellation);
    }

    private async Task<NpgsqlConnection> OpenControlAsync(CancellationToken cancellation)
    {
        var connection = new NpgsqlConnection(deployment.ControlConnectionString);
        await connection.OpenAsync(cancellation);
        return connection;
    }

    private static async Task<NpgsqlConnection> OpenAsync(IMartenDatabase database, CancellationToken cancellation)
    {
        var connection = database.CreateConnection();
        await connection.OpenAsync(cancellation);
        return connection;
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellation);
    }

    private static async Task<List<T>> ReadAsync<T>(NpgsqlConnection connection, string sql, Func<NpgsqlDataReader, T> row, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var rows = new List<T>();
        do
        {
            while (await reader.ReadAsync(cancellation))
            {
                rows.Add(row(reader));
            }
        }
        while (await reader.NextResultAsync(cancellation));

        return rows;
    }

    /// <summary>
    /// Marten's own creation and removal of a tenant's partitions on one shard database. Marten runs them only together
    /// with an assignment (<c>AddTenantToShardAsync</c>, <c>RemoveTenantFromShardAsync</c>), for the tenant's assigned
    /// shard; a move needs them on the other shard, so they are reached here by name (checked at the first use).
    /// </summary>
    private static class MartenPartitions
    {
        private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;

        private static readonly MethodInfo? Create = typeof(ShardedTenancy).GetMethod("createPartitionsForTenant", Private);
        private static readonly MethodInfo? Drop = typeof(ShardedTenancy).GetMethod("dropPartitionsForTenant", Private);

        public static Task CreateAsync(IDocumentStore store, IMartenDatabase database, string tenant, CancellationToken cancellation) =>
            InvokeAsync(Create, "createPartitionsForTenant", store, database, tenant, cancellation);

        public static Task DropAsync(IDocumentStore store, IMartenDatabase database, string tenant, CancellationToken cancellation) =>
            InvokeAsync(Drop, "dropPartitionsForTenant", store, database, tenant, cancellation);

        private static Task InvokeAsync(MethodInfo? method, string name, IDocumentStore store, IMartenDatabase database, string tenant, CancellationToken cancellation)
        {
            var tenancy = store.Options.Tenancy as ShardedTenancy
                ?? throw new InvalidOperationException("Moving a bucket needs Marten's sharded tenancy.");
            if (method is null)
            {
                throw new InvalidOperationException($"Marten's ShardedTenancy.{name} is not there in this Marten version: check BucketMover against its source.");
            }

            return (Task)method.Invoke(tenancy, [database, tenant, cancellation])!;
        }
    }
}
