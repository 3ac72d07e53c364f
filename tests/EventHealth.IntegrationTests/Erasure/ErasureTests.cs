using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Detection;
using EventHealth.IntegrationTests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventHealth.IntegrationTests.Erasure;

[Collection(ApiCollection.Name)]
public sealed class ErasureTests(AppFixture app)
{
    [Fact]
    public async Task After_erasure_no_canary_remains_anywhere_in_the_database_the_record_is_gone_rebuild_is_equal_and_the_audit_shows_it()
    {
        // Canary personal data in every kind of field: name, email, clinician email, changed emails, free-text details,
        // a retraction reason, an acknowledgement note, a clinician's note, the recipients of sent alert emails, and an
        // alert email still queued in the message store (SMTP down) with its recipient.
        var canary = $"canary{Guid.NewGuid():N}";
        var patientId = Guid.NewGuid();
        var enrollment = Records.Enrollment(patientId, displayName: $"Ada {canary}")
            .With("email", $"{canary}@example.org").With("clinicianEmail", $"{canary}.clinic@example.org").With("alertEmails", false);
        var record = await ClinicalRecords.WriteAsync(app, enrollment, text: $"{canary} woke at 3am");
        await ClinicalRecords.WaitForAlertEmailsAsync(app, patientId);
        (await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{patientId}",
            new JsonObject { ["email"] = $"{canary}.new@example.org", ["clinicianEmail"] = $"{canary}.gp@example.org" }.ToJsonString())).Status
            .ShouldBe(HttpStatusCode.OK);
        // An experiment's free text: the dose in the patient's words and a stop reason.
        var experimentId = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", new JsonObject
        {
            ["experimentId"] = experimentId.ToString(), ["intervention"] = "hydration", ["dose"] = $"2 L, {canary}", ["periodDays"] = 3, ["pairs"] = 2,
        }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments/{experimentId}/stop",
            new JsonObject { ["reason"] = $"{canary} felt worse" }.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        app.Smtp.Close();
        try
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/symptoms", Records.Symptom().With("kind", "swallowing-difficulty").ToJsonString()))
                .Status.ShouldBe(HttpStatusCode.Created);
            await app.Host.Scenario(s => { s.Post.Url("/api/admin/detection/run"); s.StatusCodeShouldBeOk(); });
            await app.WaitForProjectionsAsync();

            var before = await TablesContainingAsync(canary);
            before.ShouldContain("eventhealth.mt_events");
            before.ShouldContain("eventhealth.mt_doc_patientrecord");
            before.ShouldContain("eventhealth.mt_doc_recordedentry");
            before.ShouldContain(table => table.StartsWith("wolverine.", StringComparison.Ordinal), "the queued alert email names its recipient");

            await EraseAndCheckAsync(patientId, canary, record);
        }
        finally
        {
            app.Smtp.Open();
        }
    }

    private async Task EraseAndCheckAsync(Guid patientId, string canary, ClinicalRecord record)
    {
        var erasure = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{}");
        erasure.Status.ShouldBe(HttpStatusCode.OK, erasure.Body.ToString());
        erasure.Body.GetProperty("erasedBy").GetString().ShouldBe($"patient:{patientId}");
        erasure.Body.GetProperty("eventsMasked").GetInt32().ShouldBeGreaterThanOrEqualTo(9);
        erasure.Body.GetProperty("messagesRemoved").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        await app.WaitForProjectionsAsync();

        (await TablesContainingAsync(canary)).ShouldBeEmpty();

        // The record is gone for every route, reads and writes, the erasure itself included.
        foreach (var (method, route, body) in new (HttpMethod, string, string?)[]
                 {
                     (HttpMethod.Get, "", null), (HttpMethod.Get, "/timeline", null), (HttpMethod.Get, "/timeline?atVersion=1", null), (HttpMethod.Get, "/export", null), (HttpMethod.Get, "/fhir", null),
                     (HttpMethod.Get, "/history", null), (HttpMethod.Post, "/episodes", Records.Episode().ToJsonString()), (HttpMethod.Post, "/erasure", "{}"),
                 })
        {
            var answer = await app.Host.SendRawAsync(method, $"/api/patients/{patientId}{route}", body);
            answer.Status.ShouldBe(HttpStatusCode.Gone, $"{method} {route}");
            answer.ContentType.ShouldBe("application/problem+json");
        }

        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline", null, ClinicalRecords.ClinicianHeader(record.Clinician))).Status
            .ShouldBe(HttpStatusCode.Gone, "the consented clinician too");

        // A rebuild of every projection from the (masked) events gives exactly the erased state.
        var rebuild = await app.Host.Scenario(s => { s.Post.Url("/api/admin/projections/rebuild?repair=false"); s.StatusCodeShouldBeOk(); });
        rebuild.ReadAsJson<JsonElement>().GetProperty("allEqual").GetBoolean().ShouldBeTrue(rebuild.ReadAsText());

        // The access audit keeps who erased the record and when.
        var audit = (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/audit?patientId={patientId}", null)).Body.GetProperty("records").EnumerateArray()
            .Where(r => r.GetProperty("route").GetString() == "/api/patients/{patientId}/erasure").ToList();
        audit[0].GetProperty("actor").GetString().ShouldBe($"patient:{patientId}");
        audit[0].GetProperty("status").GetInt32().ShouldBe(200);
        audit[0].GetProperty("at").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-5));

        // Detection no longer evaluates the record (its erasure event would otherwise make it due).
        await app.Host.Scenario(s => { s.Post.Url("/api/admin/detection/run"); s.StatusCodeShouldBeOk(); });
        await using var session = app.Host.QueryFor(patientId);
        var checkpoint = await session.LoadAsync<DetectionCheckpoint>(patientId);
        checkpoint.ShouldNotBeNull().EvaluatedThroughVersion.ShouldBeLessThan(await app.Host.StreamVersionAsync(patientId));
    }

    [Fact]
    public async Task An_operator_erases_only_with_the_reference_of_the_patients_documented_request()
    {
        var patientId = await app.Host.EnrollAsync();
        var operatorToken = ("Authorization", $"Bearer {TestTokens.For("operator", "ops-7")}");

        var unreferenced = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{}", operatorToken);
        unreferenced.Status.ShouldBe(HttpStatusCode.BadRequest);
        unreferenced.Body.ProblemFields().ShouldBe(["requestReference"]);
        var prose = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{\"requestReference\":\"letter from Ada Lovelace\"}", operatorToken);
        prose.Status.ShouldBe(HttpStatusCode.BadRequest);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);

        // The weekly digest counts this record (alert emails on) until it is erased. Tests of this collection run one at a
        // time, so no other record comes or goes between the two runs.
        var digestsBefore = await DigestsQueuedAsync();

        var erased = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/erasure", "{\"requestReference\":\"DSR-2026-0042\"}", operatorToken);
        erased.Status.ShouldBe(HttpStatusCode.OK);
        erased.Body.GetProperty("erasedBy").GetString().ShouldBe("operator:ops-7");
        erased.Body.GetProperty("requestReference").GetString().ShouldBe("DSR-2026-0042");

        // Operators still read nothing of the record: they get 403 before anyone learns it is gone.
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}", null, operatorToken)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}", null)).Status.ShouldBe(HttpStatusCode.Gone);

        (await DigestsQueuedAsync()).ShouldBe(digestsBefore - 1, "the digest skips the erased record");
    }

    private async Task<int> DigestsQueuedAsync()
    {
        var run = await app.Host.Scenario(s => { s.Post.Url("/api/admin/digest/run"); s.StatusCodeShouldBeOk(); });
        return run.ReadAsJson<JsonElement>().GetProperty("queued").GetInt32();
    }

    /// <summary>Every table of every schema whose rows, read as text (bytea columns decoded), contain <paramref name="canary"/>.</summary>
    /// <summary>Every table of every database behind the host (control and shards) holding the canary, as schema.table.</summary>
    private async Task<List<string>> TablesContainingAsync(string canary)
    {
        var containing = new List<string>();
        var schemas = new HashSet<string>();
        foreach (var owner in await app.Host.AllOwnerConnectionsAsync())
        {
            await using var dataSource = NpgsqlDataSource.Create(owner);
            var tables = new List<(string Schema, string Table, List<string> ByteaColumns)>();
            await using (var list = dataSource.CreateCommand("""
                select t.table_schema, t.table_name,
                       coalesce(array_agg(c.column_name::text) filter (where c.data_type = 'bytea'), '{}')
                from information_schema.tables t
                join information_schema.columns c on c.table_schema = t.table_schema and c.table_name = t.table_name
                where t.table_type = 'BASE TABLE' and t.table_schema not in ('pg_catalog', 'information_schema')
                group by t.table_schema, t.table_name
                """))
            await using (var reader = await list.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    tables.Add((reader.GetString(0), reader.GetString(1), [.. reader.GetFieldValue<string[]>(2)]));
                }
            }

            schemas.UnionWith(tables.Select(t => t.Schema));
            foreach (var (schema, table, bytea) in tables)
            {
                var decoded = string.Concat(bytea.Select(column => $" or position(convert_to($1, 'UTF8') in t.\"{column}\") > 0"));
                await using var search = dataSource.CreateCommand($"select exists (select 1 from \"{schema}\".\"{table}\" t where position($1 in t::text) > 0{decoded})");
                search.Parameters.AddWithValue(canary);
                if ((bool)(await search.ExecuteScalarAsync())!)
                {
                    containing.Add($"{schema}.{table}");
                }
            }
        }

        schemas.ShouldContain("wolverine");
        schemas.ShouldContain("hangfire");
        return [.. containing.Distinct()];
    }
}
