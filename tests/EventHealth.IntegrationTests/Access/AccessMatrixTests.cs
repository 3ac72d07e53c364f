using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Access;

/// <summary>
/// Every route of the OpenAPI document × every kind of caller that must be refused, plus the callers that must get
/// through. Each request carries its own correlation id, so its access-audit record can be found and counted.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class AccessMatrixTests(AppFixture app)
{
    private sealed record World(Guid PatientA, Guid PatientB, Guid EntryOfA, Guid AlertOfA);

    private const string Consented = "dr-consented";
    private const string ReadWrite = "dr-read-write";
    private const string Revoked = "dr-revoked";
    private const string Stranger = "dr-stranger";

    private async Task<World> BuildWorldAsync()
    {
        var a = await app.Host.EnrollAsync();
        var b = await app.Host.EnrollAsync();
        var entry = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{a}/episodes", Records.Episode(entry).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{a}/symptoms", Records.Symptom().With("kind", "balance-problem").ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
        await app.Host.Scenario(s => { s.Post.Url("/api/admin/detection/run"); s.StatusCodeShouldBeOk(); });
        var alert = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{a}/alerts"))!.GetProperty("alerts")[0].GetProperty("alertId").GetGuid();

        // Let the alert's emails settle: their "sent" events would otherwise move the version during the matrix.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && (await app.Host.GetAsJson<JsonElement>($"/api/patients/{a}/alerts"))!.GetProperty("alerts")[0]
                   .GetProperty("notifications").EnumerateArray().Any(n => n.GetProperty("status").GetString() == "pending"))
        {
            await Task.Delay(200);
        }

        foreach (var clinician in new[] { Consented, Revoked })
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{a}/consents", $"{{\"clinicianId\":\"{clinician}\"}}")).Status.ShouldBe(HttpStatusCode.Created);
        }

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{a}/consents", $"{{\"clinicianId\":\"{ReadWrite}\",\"scope\":\"read-write\"}}")).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Delete, $"/api/patients/{a}/consents/{Revoked}", null)).Status.ShouldBe(HttpStatusCode.OK);
        return new World(a, b, entry, alert);
    }

    private static IEnumerable<(string Method, string Template)> DocumentedRoutes(JsonElement openApi) =>
        openApi.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(op => (op.Name.ToUpperInvariant(), p.Name)));

    private static (string Url, string? Body) Concrete(string template, World world) =>
        (template
            .Replace("{patientId}", world.PatientA.ToString(), StringComparison.Ordinal)
            .Replace("{entryId}", world.EntryOfA.ToString(), StringComparison.Ordinal)
            .Replace("{alertId}", world.AlertOfA.ToString(), StringComparison.Ordinal)
            .Replace("{clinicianId}", Consented, StringComparison.Ordinal)
            .Replace("{experimentId}", Guid.NewGuid().ToString(), StringComparison.Ordinal),
         template switch
         {
             "/api/patients" => Records.Enrollment(world.PatientA).ToJsonString(),
             "/api/patients/{patientId}" => "{\"timeZone\":\"Europe/Lisbon\"}",
             "/api/patients/{patientId}/entries/batch" => new JsonObject { ["entries"] = new JsonArray(Records.Intake().Typed("intake")) }.ToJsonString(),
             "/api/patients/{patientId}/entries/{entryId}/retraction" => "{\"reason\":\"matrix\"}",
             "/api/patients/{patientId}/consents" => "{\"clinicianId\":\"dr-new\"}",
             "/api/patients/{patientId}/alerts/{alertId}/acknowledgement" => "{}",
             "/api/patients/{patientId}/notes" => new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "matrix" }.ToJsonString(),
             "/api/patients/{patientId}/experiments" => new JsonObject { ["experimentId"] = Guid.NewGuid().ToString(), ["intervention"] = "stretching", ["periodDays"] = 3, ["pairs"] = 2 }.ToJsonString(),
             "/api/patients/{patientId}/experiments/{experimentId}/stop" => "{\"reason\":\"matrix\"}",
             // Without the request's reference: an operator (the one allowed cell) gets 400 and nothing is erased.
             "/api/patients/{patientId}/erasure" => "{}",
             _ when template.EndsWith("/episodes", StringComparison.Ordinal) => Records.Episode().ToJsonString(),
             _ when template.EndsWith("/cramps", StringComparison.Ordinal) => Records.Cramp().ToJsonString(),
             _ when template.EndsWith("/triggers", StringComparison.Ordinal) => Records.Trigger().ToJsonString(),
             _ when template.EndsWith("/sleep", StringComparison.Ordinal) => Records.Sleep().ToJsonString(),
             _ when template.EndsWith("/intake", StringComparison.Ordinal) => Records.Intake().ToJsonString(),
             _ when template.EndsWith("/interventions", StringComparison.Ordinal) => Records.Intervention().ToJsonString(),
             _ when template.EndsWith("/symptoms", StringComparison.Ordinal) => Records.Symptom().ToJsonString(),
             _ => null,
         });

    /// <summary>The nine kinds of caller the access issue names, and a clinician with read-only consent on the write routes
    /// only a read-write consent opens (each with the Authorization header it sends; null: none).</summary>
    private static IEnumerable<(string Cell, string? Token)> Callers(World world) =>
    [
        ("no token", null),
        ("expired", TestTokens.Expired(Roles.Patient, world.PatientA.ToString())),
        ("wrong signature", TestTokens.WrongSignature(Roles.Patient, world.PatientA.ToString())),
        ("wrong audience", TestTokens.For(Roles.Patient, world.PatientA.ToString(), audience: "someone-else")),
        ("patient B on A's record", TestTokens.Patient(world.PatientB)),
        ("clinician without consent", TestTokens.For(Roles.Clinician, Stranger)),
        ("clinician after revocation", TestTokens.For(Roles.Clinician, Revoked)),
        ("operator", TestTokens.For(Roles.Operator, "ops-1")),
        ("auditor", TestTokens.For(Roles.Auditor, "auditor-1")),
        ("clinician with read consent", TestTokens.For(Roles.Clinician, Consented)),
    ];

    /// <summary>Routes a read-consent clinician may use: reads and acknowledgements; the matrix checks it is refused everywhere else.</summary>
    private static bool ReadConsentMayUse(string method, string template) =>
        method == "GET" || template.EndsWith("/acknowledgement", StringComparison.Ordinal) || !template.StartsWith("/api/patients/{patientId}", StringComparison.Ordinal);

    /// <summary>The cells of the matrix that are allowed: the operator on admin routes, erasure and retraction (both 400 here:
    /// the matrix sends no request reference), the auditor reading.</summary>
    private static bool AllowedCell(string cell, string method, string template) => cell switch
    {
        "operator" => template.StartsWith("/api/admin/", StringComparison.Ordinal)
            || template is "/api/patients/{patientId}/erasure" or "/api/patients/{patientId}/entries/{entryId}/retraction",
        "auditor" => method == "GET",
        _ => false,
    };

    [Fact]
    public async Task Every_route_refuses_every_caller_it_must_with_nothing_written_and_one_audit_record_each()
    {
        var world = await BuildWorldAsync();
        var routes = DocumentedRoutes((await app.Host.GetAsJson<JsonElement>("/openapi/v1.json"))!).ToList();
        routes.Count.ShouldBeGreaterThanOrEqualTo(25);
        var versionBefore = await app.Host.StreamVersionAsync(world.PatientA);
        var failures = new List<string>();
        var cells = 0;

        foreach (var (method, template) in routes)
        {
            var (url, body) = Concrete(template, world);
            foreach (var (cell, token) in Callers(world))
            {
                if (cell == "clinician with read consent" && ReadConsentMayUse(method, template))
                {
                    continue; // the rightful-caller test covers these cells
                }

                cells++;
                var correlation = $"matrix-{Guid.NewGuid():N}";
                var headers = new List<(string, string)> { ("X-Correlation-ID", correlation) };
                headers.Add(token is null ? (AppFixture.AnonymousHeader, "1") : ("Authorization", $"Bearer {token}"));
                var answer = await app.Host.SendRawAsync(new HttpMethod(method), url, body, headers.ToArray());
                var audit = await AuditRecordsAsync(correlation);
                var allowed = AllowedCell(cell, method, template);
                var status = (int)answer.Status;

                if (allowed ? status is 401 or 403 : status is not (401 or 403) || answer.ContentType != "application/problem+json")
                {
                    failures.Add($"{cell} → {method} {template}: {status}");
                }

                if (audit.Count != 1 || audit[0].Outcome != (allowed ? AccessRecord.OutcomeOf(status) : "denied") || audit[0].Status != status)
                {
                    failures.Add($"{cell} → {method} {template}: {audit.Count} audit records ({string.Join(",", audit.Select(r => r.Outcome))})");
                }
            }
        }

        failures.ShouldBeEmpty();
        cells.ShouldBe((routes.Count * 9) + routes.Count(r => !ReadConsentMayUse(r.Method, r.Template)));
        routes.ShouldContain(("POST", "/api/patients/{patientId}/notes"));
        routes.ShouldContain(("POST", "/api/patients/{patientId}/erasure"));
        routes.ShouldContain(("GET", "/api/patients/{patientId}/fhir"));
        (await app.Host.StreamVersionAsync(world.PatientA)).ShouldBe(versionBefore, "no refused request may write");
    }

    [Fact]
    public async Task The_rightful_callers_get_through()
    {
        var world = await BuildWorldAsync();
        var consented = TestTokens.For(Roles.Clinician, Consented);
        var patientA = TestTokens.Patient(world.PatientA);

        foreach (var read in new[] { "", "/timeline", "/daily", "/insights", "/history", "/export", "/fhir", "/alerts", $"/alerts/{world.AlertOfA}/explanation", "/experiments" })
        {
            (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{world.PatientA}{read}", null, ("Authorization", $"Bearer {consented}"))).Status
                .ShouldBe(HttpStatusCode.OK, $"consented clinician reads {read}");
            (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{world.PatientA}{read}", null, ("Authorization", $"Bearer {patientA}"))).Status
                .ShouldBe(HttpStatusCode.OK, $"patient reads own {read}");
        }

        var ack = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/alerts/{world.AlertOfA}/acknowledgement", "{\"note\":\"seen\"}",
            ("Authorization", $"Bearer {consented}"));
        ack.Status.ShouldBe(HttpStatusCode.Created);
        ack.Body.GetProperty("by").GetString().ShouldBe($"clinician:{Consented}");

        var write = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/episodes", Records.Episode().ToJsonString(),
            ("Authorization", $"Bearer {consented}"));
        write.Status.ShouldBe(HttpStatusCode.Forbidden, "clinicians do not write entries");

        // A read-write consent adds clinician notes and retractions, and still no patient entries or erasure.
        var readWrite = ("Authorization", $"Bearer {TestTokens.For(Roles.Clinician, ReadWrite)}");
        var note = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "Reviewed; see in 2 weeks." };
        var added = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/notes", note.ToJsonString(), readWrite);
        added.Status.ShouldBe(HttpStatusCode.Created);
        added.Body.GetProperty("type").GetString().ShouldBe("note");
        var noteId = added.Body.GetProperty("entryId").GetGuid();
        var versionWithNote = await app.Host.StreamVersionAsync(world.PatientA);
        var patientRetraction = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{noteId}/retraction",
            "{\"reason\":\"I disagree\"}", ("Authorization", $"Bearer {patientA}"));
        patientRetraction.Status.ShouldBe(HttpStatusCode.Forbidden, "a clinician's note is retracted only by a clinician");
        patientRetraction.Body.GetProperty("field").GetString().ShouldBe("entryId");
        (await app.Host.StreamVersionAsync(world.PatientA)).ShouldBe(versionWithNote, "the refused retraction stored nothing");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/notes", note.ToJsonString(), readWrite)).Status
            .ShouldBe(HttpStatusCode.OK, "the same note again is a repeat");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{world.EntryOfA}/retraction", "{\"reason\":\"duplicate of the cramp\"}", readWrite))
            .Status.ShouldBe(HttpStatusCode.Created);
        var experimentId = Guid.NewGuid();
        var experiment = new JsonObject { ["experimentId"] = experimentId.ToString(), ["intervention"] = "heat-therapy", ["periodDays"] = 3, ["pairs"] = 2 }.ToJsonString();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/experiments", experiment, readWrite)).Status
            .ShouldBe(HttpStatusCode.Created, "a read-write clinician plans experiments");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/experiments/{experimentId}/stop", "{\"reason\":\"plan changed\"}", readWrite)).Status
            .ShouldBe(HttpStatusCode.Created, "and stops them");
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{world.PatientA}/experiments/{experimentId}", null, ("Authorization", $"Bearer {consented}"))).Status
            .ShouldBe(HttpStatusCode.OK, "a read-consent clinician sees them");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/episodes", Records.Episode().ToJsonString(), readWrite)).Status
            .ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/erasure", "{}", readWrite)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/notes", note.With("entryId", Guid.NewGuid().ToString()).ToJsonString(),
            ("Authorization", $"Bearer {patientA}"))).Status.ShouldBe(HttpStatusCode.Forbidden, "notes are clinicians' entries");

        var timeline = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{world.PatientA}/timeline"))!.GetProperty("items").EnumerateArray().ToList();
        timeline.Single(i => i.GetProperty("entryId").GetGuid() == noteId).GetProperty("retracted").GetBoolean().ShouldBeFalse();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{noteId}/retraction", "{\"reason\":\"wrong record\"}", readWrite))
            .Status.ShouldBe(HttpStatusCode.Created, "the read-write clinician retracts a note");
        timeline.Single(i => i.GetProperty("entryId").GetGuid() == world.EntryOfA).GetProperty("retracted").GetBoolean().ShouldBeTrue();
        var history = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{world.PatientA}/history?limit=1000"))!.GetProperty("events").EnumerateArray().ToList();
        history.Where(e => e.GetProperty("type").GetString() is "ClinicianNoteAdded" or "EntryRetracted").Select(e => e.GetProperty("actor").GetString())
            .ShouldAllBe(actor => actor == $"clinician:{ReadWrite}");

        // An operator retracts a clinician's note only on the patient's documented request, and nothing else.
        var operatorToken = ("Authorization", $"Bearer {TestTokens.For(Roles.Operator, "ops-1")}");
        var secondNote = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/notes", note.With("entryId", Guid.NewGuid().ToString()).ToJsonString(), readWrite);
        var secondNoteId = secondNote.Body.GetProperty("entryId").GetGuid();
        var versionBeforeOperator = await app.Host.StreamVersionAsync(world.PatientA);
        var withoutReference = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{secondNoteId}/retraction",
            "{\"reason\":\"note on the wrong record\"}", operatorToken);
        withoutReference.Status.ShouldBe(HttpStatusCode.BadRequest);
        withoutReference.Body.GetProperty("errors").TryGetProperty("requestReference", out _).ShouldBeTrue();
        var episodeOfA = Guid.NewGuid();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/episodes", Records.Episode(episodeOfA).ToJsonString(), ("Authorization", $"Bearer {patientA}")))
            .Status.ShouldBe(HttpStatusCode.Created);
        var operatorOnEpisode = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{episodeOfA}/retraction",
            "{\"reason\":\"asked to\",\"requestReference\":\"DSR-2026-0043\"}", operatorToken);
        operatorOnEpisode.Status.ShouldBe(HttpStatusCode.Forbidden, "operators retract only clinicians' notes");
        var versionAfterRefusals = await app.Host.StreamVersionAsync(world.PatientA);
        versionAfterRefusals.ShouldBe(versionBeforeOperator + 1, "the refused retractions stored nothing (the one new event is the episode)");
        var byOperator = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{world.PatientA}/entries/{secondNoteId}/retraction",
            "{\"reason\":\"note on the wrong record\",\"requestReference\":\"DSR-2026-0044\"}", operatorToken);
        byOperator.Status.ShouldBe(HttpStatusCode.Created, "an operator retracts a note on a documented request");
        var retraction = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{world.PatientA}/history?limit=1000"))!.GetProperty("events").EnumerateArray()
            .Last(e => e.GetProperty("type").GetString() == "EntryRetracted");
        retraction.GetProperty("actor").GetString().ShouldBe("operator:ops-1");
        retraction.GetProperty("data").GetProperty("requestReference").GetString().ShouldBe("DSR-2026-0044");
    }

    [Fact]
    public async Task A_consent_scope_is_read_by_default_and_can_be_widened_and_narrowed()
    {
        var patientId = await app.Host.EnrollAsync();
        var granted = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{\"clinicianId\":\"dr-scope\"}");
        granted.Status.ShouldBe(HttpStatusCode.Created);
        granted.Body.GetProperty("scope").GetString().ShouldBe("read");
        var clinician = ("Authorization", $"Bearer {TestTokens.For(Roles.Clinician, "dr-scope")}");
        var note = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "scope" }.ToJsonString();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", note, clinician)).Status.ShouldBe(HttpStatusCode.Forbidden);

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{\"clinicianId\":\"dr-scope\",\"scope\":\"read-write\"}")).Status
            .ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{\"clinicianId\":\"dr-scope\",\"scope\":\"read-write\"}")).Status
            .ShouldBe(HttpStatusCode.OK, "the scope held already: nothing new");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", note, clinician)).Status.ShouldBe(HttpStatusCode.Created);

        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{\"clinicianId\":\"dr-scope\",\"scope\":\"read\"}")).Status
            .ShouldBe(HttpStatusCode.Created);
        var another = new JsonObject { ["entryId"] = Guid.NewGuid().ToString(), ["occurredAt"] = Records.Yesterday.ToString("O"), ["text"] = "scope" }.ToJsonString();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/notes", another, clinician)).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline", null, clinician)).Status.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Revoking_consent_takes_effect_on_the_next_request()
    {
        var world = await BuildWorldAsync();
        var clinician = TestTokens.For(Roles.Clinician, Consented);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{world.PatientA}/timeline", null, ("Authorization", $"Bearer {clinician}"))).Status
            .ShouldBe(HttpStatusCode.OK);

        (await app.Host.SendRawAsync(HttpMethod.Delete, $"/api/patients/{world.PatientA}/consents/{Consented}", null)).Status.ShouldBe(HttpStatusCode.OK);

        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{world.PatientA}/timeline", null, ("Authorization", $"Bearer {clinician}"))).Status
            .ShouldBe(HttpStatusCode.Forbidden);
        var history = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{world.PatientA}/history?limit=1000"))!;
        history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ShouldContain("ConsentRevoked");
    }

    [Fact]
    public async Task The_acting_identity_is_the_actor_and_a_client_cannot_set_it()
    {
        var patientId = await app.Host.EnrollAsync();
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/episodes", Records.Episode().With("actor", "dr-house").ToJsonString(),
            ("X-Actor", "dr-house"), ("X-Client-Id", "ios-app/1"))).Status.ShouldBe(HttpStatusCode.Created);

        var history = (await app.Host.GetAsJson<JsonElement>($"/api/patients/{patientId}/history"))!;
        history.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("actor").GetString()).Distinct().ShouldBe([$"patient:{patientId}"]);
    }

    [Fact]
    public async Task Auditors_read_the_access_audit_by_patient_and_time()
    {
        var patientId = await app.Host.EnrollAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline", null, ("Authorization", $"Bearer {TestTokens.Patient(Guid.NewGuid())}"))).Status
            .ShouldBe(HttpStatusCode.Forbidden);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/timeline", null)).Status.ShouldBe(HttpStatusCode.OK);

        var audit = (await app.Host.GetAsJson<JsonElement>($"/api/audit?patientId={patientId}&from={Uri.EscapeDataString(since.ToString("O"))}"))!;
        var records = audit.GetProperty("records").EnumerateArray().ToList();
        records.Select(r => r.GetProperty("outcome").GetString()).ShouldBe(["allowed", "denied", "allowed"]); // enrollment, the stranger, the patient
        records[1].GetProperty("role").GetString().ShouldBe("patient");
        records[1].GetProperty("route").GetString().ShouldBe("/api/patients/{patientId}/timeline");
        records[1].GetProperty("status").GetInt32().ShouldBe(403);
        records[2].GetProperty("actor").GetString().ShouldBe($"patient:{patientId}");
        records.ShouldAllBe(r => r.GetProperty("correlationId").GetString()!.Length > 0);

        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/audit?patientId={patientId}", null, ("Authorization", $"Bearer {TestTokens.Patient(patientId)}"))).Status
            .ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_job_dashboard_takes_no_bearer_token_and_sends_every_caller_to_its_sign_in()
    {
        // The dashboard is for browsers: only its cookie sign-in opens it (Operations/DashboardTests, BrowserTests).
        string[] authorizations = ["", $"Bearer {TestTokens.Patient(Guid.NewGuid())}", $"Bearer {TestTokens.For(Roles.Auditor, "a")}", $"Bearer {TestTokens.For(Roles.Operator, "ops-1")}"];
        foreach (var authorization in authorizations)
        {
            using var client = app.Host.Server.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
            if (authorization.Length > 0)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            response.Headers.Location!.AbsolutePath.ShouldBe("/ops/sign-in");
        }
    }

    [Fact]
    public async Task Writes_beyond_the_limit_per_identity_get_429_with_retry_after()
    {
        var patientId = await app.Host.EnrollAsync();
        var token = TestTokens.Patient(patientId);
        HttpStatusCode last = default;
        var accepted = 0;
        using var client = app.Host.Server.CreateClient();
        for (var i = 0; i <= AppFixture.RateLimit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/episodes") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new("Bearer", token);
            using var response = await client.SendAsync(request);
            last = response.StatusCode;
            if (last == HttpStatusCode.TooManyRequests)
            {
                response.Headers.RetryAfter.ShouldNotBeNull();
                response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
                break;
            }

            accepted++;
        }

        last.ShouldBe(HttpStatusCode.TooManyRequests);
        accepted.ShouldBeLessThanOrEqualTo(AppFixture.RateLimit);
        // Another identity is not slowed down by this one.
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{await app.Host.EnrollAsync()}/episodes", Records.Episode().ToJsonString())).Status
            .ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Bad_input_on_the_access_routes_is_a_problem_naming_the_field_and_stores_nothing()
    {
        var patientId = await app.Host.EnrollAsync();

        var missing = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{}");
        missing.Status.ShouldBe(HttpStatusCode.BadRequest);
        missing.Body.ProblemFields().ShouldBe(["clinicianId"]);
        var scope = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", "{\"clinicianId\":\"dr\",\"scope\":\"everything\"}");
        scope.Status.ShouldBe(HttpStatusCode.BadRequest);
        scope.Body.ProblemFields().ShouldBe(["scope"]);
        var unknown = await app.Host.SendRawAsync(HttpMethod.Delete, $"/api/patients/{patientId}/consents/dr-nobody", null);
        unknown.Status.ShouldBe(HttpStatusCode.NotFound);
        unknown.Body.ProblemFields().ShouldBe(["clinicianId"]);
        (await app.Host.StreamVersionAsync(patientId)).ShouldBe(1);

        var audit = await app.Host.SendRawAsync(HttpMethod.Get, "/api/audit?limit=0", null);
        audit.Status.ShouldBe(HttpStatusCode.BadRequest);
        audit.Body.ProblemFields().ShouldBe(["limit"]);
        var date = await app.Host.SendRawAsync(HttpMethod.Get, "/api/audit?from=yesterday", null);
        date.Status.ShouldBe(HttpStatusCode.BadRequest);
        date.Body.ProblemFields().ShouldBe(["from"]);
    }

    private async Task<List<AccessRecord>> AuditRecordsAsync(string correlationId)
    {
        // Every shard's records, whichever bucket (or none) each request named.
        var sessions = app.Host.Services.GetRequiredService<EventHealth.Sharding.TenantSessions>();
        var found = new List<AccessRecord>();
        foreach (var (_, tenants) in await sessions.DatabasesAsync())
        {
            await using var session = sessions.QueryForTenant(tenants[0]);
            found.AddRange(await session.Query<AccessRecord>().Where(r => r.AnyTenant() && r.CorrelationId == correlationId).ToListAsync());
        }

        return found;
    }
}
