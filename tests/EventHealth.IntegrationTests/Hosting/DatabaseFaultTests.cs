using System.Net;
using EventHealth.IntegrationTests.Infrastructure;
using Npgsql;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// The database refusing or failing: the audit table is append-only for everyone and the API's role cannot change it;
/// an unavailable database answers 503 with Retry-After; an audit record that cannot be written withholds the answer.
/// Faults are injected with triggers scoped to one test's ids (tests of this collection run one at a time).
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class DatabaseFaultTests(AppFixture app)
{
    [Fact]
    public async Task The_API_role_may_read_and_append_the_audit_but_not_change_or_delete_it()
    {
        _ = Environment.GetEnvironmentVariable("EVENTHEALTH_API_ROLE_CONNECTION")
            ?? throw new InvalidOperationException("EVENTHEALTH_API_ROLE_CONNECTION is set by ops/test (which creates the role)");
        var patientId = await app.Host.EnrollAsync();
        // The role on the database holding the patient's audit records (its bucket's shard).
        await using var connection = new NpgsqlConnection(ShardDatabases.AsApiRole(await app.Host.OwnerConnectionForAsync(patientId)));
        await connection.OpenAsync();

        (await Scalar(connection, "select rolsuper from pg_roles where rolname = current_user")).ShouldBe(false);
        ((long)(await Scalar(connection, "select count(*) from eventhealth.mt_doc_accessrecord"))!).ShouldBeGreaterThan(0);
        foreach (var change in new[]
                 {
                     "update eventhealth.mt_doc_accessrecord set data = data",
                     "delete from eventhealth.mt_doc_accessrecord",
                     "truncate eventhealth.mt_doc_accessrecord",
                 })
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => Scalar(connection, change));
            refused.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege, change);
        }
    }

    [Fact]
    public async Task Even_the_schema_owner_cannot_change_or_delete_audit_records()
    {
        var patientId = await app.Host.EnrollAsync();
        await using var connection = new NpgsqlConnection(await app.Host.OwnerConnectionForAsync(patientId));
        await connection.OpenAsync();
        foreach (var change in new[]
                 {
                     "update eventhealth.mt_doc_accessrecord set data = data",
                     "delete from eventhealth.mt_doc_accessrecord",
                     "truncate eventhealth.mt_doc_accessrecord",
                 })
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => Scalar(connection, change));
            refused.MessageText.ShouldContain("append-only");
        }
    }

    [Fact]
    public async Task An_unavailable_database_answers_503_with_Retry_After_and_stores_nothing()
    {
        var patientId = Guid.NewGuid();
        // PostgreSQL answering "the database system is shutting down" (57P01) for this one stream, as during a restart.
        await using var fault = await FaultAsync(await app.Host.OwnerConnectionForAsync(patientId), "eventhealth.mt_streams", "INSERT", $"NEW.id = '{patientId}'", "57P01");

        using var client = app.Host.Server.CreateClient();
        using var response = await client.PostAsync("/api/patients", Records.JsonContent(Records.Enrollment(patientId)));

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter?.Delta.ShouldNotBeNull();
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(0);
    }

    [Fact]
    public async Task An_answer_whose_audit_record_cannot_be_written_is_withheld_with_a_503()
    {
        var patientId = await app.Host.EnrollAsync();
        await using var fault = await FaultAsync(await app.Host.OwnerConnectionForAsync(patientId), "eventhealth.mt_doc_accessrecord", "INSERT", $"NEW.data->>'patientId' = '{patientId}'", "57P03");

        var (status, body, contentType) = await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}", null);

        status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        contentType.ShouldBe("application/problem+json");
        body.TryGetProperty("displayName", out _).ShouldBeFalse("the record must not leave without its audit trace");
    }

    [Fact]
    public async Task An_event_sequence_behind_the_stored_events_after_a_crash_is_moved_on_and_the_write_stored()
    {
        var patientId = await app.Host.EnrollAsync();
        await using var connection = new NpgsqlConnection(await app.Host.OwnerConnectionForAsync(patientId));
        await connection.OpenAsync();
        // PostgreSQL back from a crash, its sequence behind the tombstones Marten wrote for a commit that failed: the next
        // number it hands out is stored already (ops/faults' restart scenario answered such writes 500).
        var highest = (long)(await Scalar(connection, "select max(seq_id) from eventhealth.mt_events"))!;
        await Scalar(connection, $"select setval('eventhealth.mt_events_sequence', {highest - 1})");

        var (status, _, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode(Guid.NewGuid()).ToJsonString());

        status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(2);
        ((long)(await Scalar(connection, "select last_value from eventhealth.mt_events_sequence"))!).ShouldBeGreaterThan(highest);
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>A BEFORE trigger raising <paramref name="sqlState"/> for rows matching <paramref name="when"/>; dropped on dispose.</summary>
    private static async Task<IAsyncDisposable> FaultAsync(string owner, string table, string operation, string when, string sqlState)
    {
        var name = $"test_fault_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(owner);
        await connection.OpenAsync();
        await Scalar(connection, $"""
            create function public.{name}() returns trigger language plpgsql as $$
            begin raise exception 'injected fault' using errcode = '{sqlState}'; end $$;
            create trigger {name} before {operation} on {table} for each row when ({when}) execute function public.{name}();
            """);
        return new Dropper(async () =>
        {
            await using var drop = new NpgsqlConnection(owner);
            await drop.OpenAsync();
            await Scalar(drop, $"drop trigger {name} on {table}; drop function public.{name}();");
        });
    }

    private sealed class Dropper(Func<Task> drop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await drop();
    }
}
