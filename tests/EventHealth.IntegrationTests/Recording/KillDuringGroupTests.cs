using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EventHealth.IntegrationTests.Infrastructure;
using Npgsql;

namespace EventHealth.IntegrationTests.Recording;

/// <summary>
/// kill -9 of the API while its write path commits groups: nothing it acknowledged is lost, and a write it never answered
/// is, once retried with its entry id as the contract tells clients to, stored exactly once (docs/recording.md, group commit).
/// </summary>
public sealed class KillDuringGroupTests
{
    private const int Writers = 16;

    /// <summary>Acknowledged writes before the kill: enough that groups of several writes are committing when it comes.</summary>
    private const int AcknowledgedBeforeKill = 400;

    private sealed record Write(Guid PatientId, Guid EntryId, string Body, string CorrelationId);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Auth__Issuer"] = TestTokens.Settings.Issuer,
        ["Auth__SigningKey"] = TestTokens.Settings.SigningKey!,
        ["RateLimits__WritesPerMinute"] = "1000000",
        ["RateLimits__ReadsPerMinute"] = "1000000",
        ["Detection__Cron"] = "0 0 1 1 *",
    };

    [Fact]
    public async Task A_kill_9_while_groups_commit_loses_no_acknowledged_write_and_an_unanswered_one_retried_is_stored_once()
    {
        var database = await OwnDatabases.CreateAsync("eventhealth_kill_during_group", fresh: true);
        var patients = Enumerable.Range(0, Writers).Select(_ => Guid.NewGuid()).ToArray();
        var acknowledged = new ConcurrentBag<Write>();
        var unanswered = new ConcurrentBag<Write>();
        var unexpected = new ConcurrentBag<string>();
        double groupedWrites, groups;

        await using (var api = await ApiProcess.StartAsync(database, Settings))
        {
            using var client = api.Client();
            await Task.WhenAll(patients.Select(async patientId =>
                (await SendAsync(client, patientId, "/api/patients", Records.Enrollment(patientId).ToJsonString(), $"enroll-{patientId:N}")).ShouldBe(HttpStatusCode.Created)));

            var killed = false;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var writers = patients.Select(patientId => Task.Run(async () =>
            {
                while (!Volatile.Read(ref killed))
                {
                    var entryId = Guid.NewGuid();
                    var write = new Write(patientId, entryId, Records.Episode(entryId).ToJsonString(), $"kill-{entryId:N}");
                    try
                    {
                        var status = await SendAsync(client, patientId, $"/api/patients/{patientId}/episodes", write.Body, write.CorrelationId);
                        if (status != HttpStatusCode.Created)
                        {
                            unexpected.Add($"{(int)status} before the kill");
                            return;
                        }

                        acknowledged.Add(write);
                        if (acknowledged.Count >= AcknowledgedBeforeKill)
                        {
                            enough.TrySetResult();
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The process died with this request in flight: the client never learnt its outcome.
                        unanswered.Add(write);
                        return;
                    }
                }
            })).ToArray();

            await enough.Task.WaitAsync(TimeSpan.FromMinutes(3));
            (groupedWrites, groups) = await WriteGroupsAsync(client);
            // The writers keep going until the kill: it cuts the requests in flight, wherever their groups are.
            api.Kill();
            Volatile.Write(ref killed, true);
            await Task.WhenAll(writers);
        }

        unexpected.ShouldBeEmpty();
        (groupedWrites / groups).ShouldBeGreaterThan(1, "writes shared commits before the kill (mean writes per group)");
        unanswered.ShouldNotBeEmpty("writes were in flight when the process died");

        await using (var api = await ApiProcess.StartAsync(database, Settings))
        {
            // Every acknowledged write is stored once, its access-audit record with it.
            var stored = await StoredCountsAsync(database, acknowledged);
            acknowledged.Where(write => stored.GetValueOrDefault(write.EntryId) != 1)
                .Select(write => $"{write.EntryId}: stored {stored.GetValueOrDefault(write.EntryId)} times").ShouldBeEmpty();
            var audited = await AuditedCorrelationIdsAsync(database, acknowledged);
            acknowledged.Where(write => !audited.Contains(write.CorrelationId)).Select(write => write.CorrelationId).ShouldBeEmpty("acknowledged without an access-audit record");

            // An unanswered write may have committed before the kill or not: its retry says which (200 a repeat, 201 new).
            using var client = api.Client();
            foreach (var write in unanswered)
            {
                var status = await SendAsync(client, write.PatientId, $"/api/patients/{write.PatientId}/episodes", write.Body, $"retry-{write.EntryId:N}");
                status.ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.OK);
            }

            var retried = await StoredCountsAsync(database, unanswered);
            unanswered.Where(write => retried.GetValueOrDefault(write.EntryId) != 1)
                .Select(write => $"{write.EntryId}: stored {retried.GetValueOrDefault(write.EntryId)} times after its retry").ShouldBeEmpty();
        }
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, Guid patientId, string route, string body, string correlationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Patient(patientId));
        request.Headers.Add("X-Correlation-ID", correlationId);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The write path's group sizes so far, from the operator's /metrics: writes committed and commits.</summary>
    private static async Task<(double Writes, double Groups)> WriteGroupsAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For("operator", "ops-kill"));
        using var response = await client.SendAsync(request);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        double Sum(string series) => lines.Where(line => line.StartsWith(series, StringComparison.Ordinal) && line.Length > series.Length && line[series.Length] is ' ' or '{')
            .Sum(line => double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture));
        return (Sum("eventhealth_write_group_size_sum"), Sum("eventhealth_write_group_size_count"));
    }

    /// <summary>How many events record each write's entry.</summary>
    private static async Task<Dictionary<Guid, long>> StoredCountsAsync(string database, IEnumerable<Write> writes) =>
        (await RowsAsync(database, "select (data->>'entryId')::uuid, count(*) from eventhealth.mt_events where data->>'entryId' = any(@ids) group by 1",
            writes.Select(write => write.EntryId.ToString()), reader => (Entry: reader.GetGuid(0), Count: reader.GetInt64(1))))
        .ToDictionary(row => row.Entry, row => row.Count);

    /// <summary>The writes' correlation ids that have an access-audit record.</summary>
    private static async Task<HashSet<string>> AuditedCorrelationIdsAsync(string database, IEnumerable<Write> writes) =>
        [.. await RowsAsync(database, "select data->>'correlationId' from eventhealth.mt_doc_accessrecord where data->>'correlationId' = any(@ids)",
            writes.Select(write => write.CorrelationId), reader => reader.GetString(0))];

    /// <summary>The rows <paramref name="sql"/> answers for <paramref name="ids"/> (its <c>@ids</c>), read straight from the database.</summary>
    private static async Task<List<T>> RowsAsync<T>(string database, string sql, IEnumerable<string> ids, Func<NpgsqlDataReader, T> read)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var rows = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }

        return rows;
    }
}
