using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventHealth.Access;
using EventHealth.Alerts;
using EventHealth.Faults;
using EventHealth.Faults.Fuzzing;
using EventHealth.IntegrationTests.Infrastructure;
using Npgsql;

// The fault suite: real processes on loopback (PostgreSQL, MailDev, API nodes, a fake SMTP server), faults injected
// while clients keep working, then every promise checked against the database and the mailboxes.
// Run through ops/faults, which starts PostgreSQL and MailDev and passes their addresses.
var setup = Setup.FromEnvironment();
var figures = new List<(string Area, string Figure, string Value, bool Ok)>();
var clock = Stopwatch.StartNew();
// How the write load records a 503 that came without Retry-After.
const int NoRetryAfter503 = -503;
await using var owner = NpgsqlDataSource.Create(setup.OwnerConnection);

void Report(string area, string figure, object value, bool ok)
{
    figures.Add((area, figure, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!, ok));
    Console.WriteLine($"  {(ok ? "ok  " : "FAIL")} {area}: {figure} = {value}");
}

int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

// The suite's own queries ride out the PostgreSQL restarts it causes.
async Task<T> Retrying<T>(Func<Task<T>> query)
{
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await query();
        }
        catch (NpgsqlException) when (attempt < 20)
        {
            owner.Clear();
            await Task.Delay(500);
        }
    }
}

Task<long> StreamVersion(Guid id) => Retrying(() => StreamVersionOnce(id));

async Task<long> StreamVersionOnce(Guid id)
{
    await using var command = owner.CreateCommand("select coalesce((select version from eventhealth.mt_streams where id = $1), 0)");
    command.Parameters.AddWithValue(id);
    return (long)(await command.ExecuteScalarAsync())!;
}

// Enrollment is idempotent by patientId: retried while a freshly started node compiles its handlers.
async Task<Guid> Enroll(HttpClient client, string? displayName = null)
{
    var id = Guid.NewGuid();
    for (var attempt = 1; ; attempt++)
    {
        try
        {
            return await EnrollOnce(client, id, displayName);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && attempt < 5)
        {
            await Task.Delay(1000);
        }
    }
}

async Task<Guid> EnrollOnce(HttpClient client, Guid id, string? displayName)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/patients")
    {
        Content = Bodies.Json(Bodies.Enrollment(id, displayName ?? "Fault Suite", $"p{id:N}@example.org", $"c{id:N}@example.org")),
    };
    request.Headers.Authorization = Tokens.Bearer(Tokens.Patient(id));
    using var response = await client.SendAsync(request);
    if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
    {
        throw new InvalidOperationException($"enrollment answered {(int)response.StatusCode}");
    }

    return id;
}

async Task<HttpStatusCode> Post(HttpClient client, Guid patientId, string route, string body, string? ifMatch = null)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/{route}") { Content = Bodies.Json(body) };
    request.Headers.Authorization = Tokens.Bearer(Tokens.Patient(patientId));
    if (ifMatch is not null)
    {
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
    }

    using var response = await client.SendAsync(request);
    return response.StatusCode;
}

async Task<JsonElement> Get(HttpClient client, string path, string token)
{
    using var request = new HttpRequestMessage(HttpMethod.Get, path);
    request.Headers.Authorization = Tokens.Bearer(token);
    using var response = await client.SendAsync(request);
    response.EnsureSuccessStatusCode();
    return await response.Content.ReadFromJsonAsync<JsonElement>();
}

// The write path's group sizes so far (eventhealth.write.group.size): changes committed and transactions.
async Task<(double Changes, double Commits)> WriteGroups(Func<HttpClient> pick)
{
    using var client = pick();
    using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
    request.Headers.Authorization = Tokens.Bearer(Tokens.For(Roles.Operator, "fault-suite"));
    using var response = await client.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    double Sum(string suffix) => text.Split('\n')
        .Where(line => line.StartsWith("eventhealth_write_group_size", StringComparison.Ordinal) && line.Split(' ')[0].Split('{')[0].EndsWith(suffix, StringComparison.Ordinal))
        .Sum(line => double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
    return (Sum("_sum"), Sum("_count"));
}

// Episodes a record's daily summaries count (the last 30 days), as its patient reads them.
async Task<int> DailyEpisodes(HttpClient client, Guid patientId) =>
    (await Get(client, $"/api/patients/{patientId}/daily", Tokens.Patient(patientId))).GetProperty("days").EnumerateArray().Sum(d => d.GetProperty("episodes").GetInt32());

// Episodes counted by the records' daily summaries (the last 30 days) and stored in their streams, once the summaries
// have caught up with the records (at most 60 s).
async Task<(int Counted, long Stored)> DailyEpisodesOnceCaughtUp(Func<HttpClient> pick, Guid[] patients)
{
    var stored = await Retrying(async () =>
    {
        await using var command = owner.CreateCommand("select count(*) from eventhealth.mt_events where stream_id = any($1) and type = 'twitch_episode_recorded'");
        command.Parameters.AddWithValue(patients);
        return (long)(await command.ExecuteScalarAsync())!;
    });
    var counted = -1;
    for (var wait = 0; wait < 60 && counted != stored; wait++)
    {
        using var client = pick();
        counted = 0;
        foreach (var patientId in patients)
        {
            counted += await DailyEpisodes(client, patientId);
        }

        if (counted != stored)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    return (counted, stored);
}

async Task RunDetection(HttpClient client)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/detection/run");
    request.Headers.Authorization = Tokens.Bearer(Tokens.For(Roles.Operator, "fault-suite"));
    using var response = await client.SendAsync(request);
    response.EnsureSuccessStatusCode();
}

// Entries acknowledged by the API (2xx) must be in the record exactly once.
Task<(int Lost, int Duplicated)> CheckAcknowledged(ConcurrentBag<(Guid Patient, Guid Entry)> acknowledged) => Retrying(() => CheckAcknowledgedOnce(acknowledged));

async Task<(int Lost, int Duplicated)> CheckAcknowledgedOnce(ConcurrentBag<(Guid Patient, Guid Entry)> acknowledged)
{
    var ids = acknowledged.Select(a => a.Entry.ToString()).ToArray();
    var counts = new Dictionary<string, long>();
    await using (var command = owner.CreateCommand(
        "select data->>'entryId', count(*) from eventhealth.mt_events where data->>'entryId' = any($1) group by 1"))
    {
        command.Parameters.AddWithValue(ids);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }
    }

    return (ids.Count(id => !counts.ContainsKey(id)), (int)counts.Values.Sum(n => Math.Max(0, n - 1)));
}

// Writers record episodes with fresh entry ids; a write is retried with the SAME entry id until acknowledged,
// as the contract tells clients to do. Returns what was acknowledged and every status seen.
async Task<(ConcurrentBag<(Guid, Guid)> Acknowledged, ConcurrentDictionary<int, int> Statuses)> WriteLoad(
    Func<HttpClient> pick, Guid[] patients, TimeSpan duration, Func<Task> fault)
{
    var acknowledged = new ConcurrentBag<(Guid, Guid)>();
    var statuses = new ConcurrentDictionary<int, int>();
    using var stop = new CancellationTokenSource(duration);
    var writers = patients.Select(async patientId =>
    {
        while (!stop.IsCancellationRequested)
        {
            var entryId = Guid.NewGuid();
            var body = Bodies.Episode(entryId, DateTimeOffset.UtcNow.AddMinutes(-Random.Shared.Next(1, 600)));
            var giveUp = DateTime.UtcNow.AddSeconds(120);
            while (DateTime.UtcNow < giveUp)
            {
                int status;
                TimeSpan wait = TimeSpan.FromMilliseconds(200);
                try
                {
                    using var client = pick();
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/patients/{patientId}/episodes") { Content = Bodies.Json(body) };
                    request.Headers.Authorization = Tokens.Bearer(Tokens.Patient(patientId));
                    using var response = await client.SendAsync(request);
                    status = (int)response.StatusCode;
                    if (response.Headers.RetryAfter?.Delta is { } after)
                    {
                        wait = after > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : after;
                    }
                    else if (status == 503)
                    {
                        status = NoRetryAfter503;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    status = 0; // connection refused or cut: the API is down
                }

                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                if (status is 200 or 201)
                {
                    acknowledged.Add((patientId, entryId));
                    break;
                }

                await Task.Delay(wait);
            }
        }
    }).ToList();
    await fault();
    await Task.WhenAll(writers);
    return (acknowledged, statuses);
}

string Statuses(ConcurrentDictionary<int, int> statuses) =>
    string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key switch { 0 => "no answer", NoRetryAfter503 => "503 without Retry-After", _ => s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture) }}: {s.Value}"));

// A 5xx that is not "503 with Retry-After" (the one answer a client may simply retry later).
bool ServerError(int status) => status is >= 500 or NoRetryAfter503 && status != 503;

var canary = $"FAULTCANARY{Guid.NewGuid():N}";
// FAULTS_ONLY=sharded runs the sharded deployment's cases alone, FAULTS_ONLY=restart the PostgreSQL restart alone (with
// FAULTS_RESTARTS restarts, default 2), while working on them; docs/reliability.md is then left as it is.
var shardedOnly = Environment.GetEnvironmentVariable("FAULTS_ONLY") == "sharded";
var restartOnly = Environment.GetEnvironmentVariable("FAULTS_ONLY") == "restart";
var restarts = int.Parse(Environment.GetEnvironmentVariable("FAULTS_RESTARTS") ?? "2", System.Globalization.CultureInfo.InvariantCulture);
var nodes = new List<ApiNode>();
try
{
    if (!shardedOnly)
    {
        // ---------------------------------------------------------------- kill -9 under write load
        Console.WriteLine("kill -9 of the API under write load (clients retry by entryId)");
        var nodeA = new ApiNode(setup, "node-a", FreePort(), setup.MailDevSmtp);
        nodes.Add(nodeA);
        await nodeA.StartAsync();
        Guid[] writersA;
        using (var client = nodeA.Client())
        {
            writersA = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Enroll(client, i == 0 ? canary : null)));
            await Post(client, writersA[0], "triggers", Bodies.Trigger(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1), canary));
        }

        if (!restartOnly)
        {
            var kills = 0;
            // Changes per transaction of the write path's group commit, read from the node's metrics just before each kill:
            // groups were forming when the process died.
            var (groupedChanges, groupCommits) = (0.0, 0.0);
            var (ackKill, statusKill) = await WriteLoad(nodeA.Client, writersA, TimeSpan.FromSeconds(30), async () =>
            {
                for (var round = 0; round < 3; round++)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5));
                    var (changes, commits) = await WriteGroups(nodeA.Client);
                    (groupedChanges, groupCommits) = (groupedChanges + changes, groupCommits + commits);
                    nodeA.Kill();
                    kills++;
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    await nodeA.StartAsync();
                }
            });
            var (lostKill, dupKill) = await CheckAcknowledged(ackKill);
            Report("kill -9 (3 kills, 8 writers)", "acknowledged entries", ackKill.Count, ackKill.Count > 0);
            Report("kill -9 (3 kills, 8 writers)", "acknowledged entries lost", lostKill, lostKill == 0);
            Report("kill -9 (3 kills, 8 writers)", "acknowledged entries duplicated", dupKill, dupKill == 0);
            Report("kill -9 (3 kills, 8 writers)", "answers seen", Statuses(statusKill), !statusKill.Keys.Any(ServerError));
            Report("kill -9 (3 kills, 8 writers)", "changes per commit before each kill (group commit, mean)",
                groupCommits == 0 ? "no commits" : (groupedChanges / groupCommits).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture), groupCommits > 0 && groupedChanges > groupCommits);
        }

        // ---------------------------------------------------------------- PostgreSQL immediate restart under load
        Console.WriteLine("PostgreSQL restart -m immediate under write load");
        var (ackPg, statusPg) = await WriteLoad(nodeA.Client, writersA, TimeSpan.FromSeconds(Math.Max(25, 10 * restarts)), async () =>
        {
            for (var round = 0; round < restarts; round++)
            {
                await Task.Delay(TimeSpan.FromSeconds(6));
                await Postgres.RestartImmediateAsync(setup);
            }
        });
        owner.Clear();
        var (lostPg, dupPg) = await CheckAcknowledged(ackPg);
        var serverErrorsPg = statusPg.Where(s => ServerError(s.Key)).Sum(s => s.Value);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "acknowledged entries", ackPg.Count, ackPg.Count > 0);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "acknowledged entries lost", lostPg, lostPg == 0);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "acknowledged entries duplicated", dupPg, dupPg == 0);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "5xx other than 503", serverErrorsPg, serverErrorsPg == 0);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "503 with Retry-After", statusPg.GetValueOrDefault(503), true);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "answers seen", Statuses(statusPg), serverErrorsPg == 0);
        // The daily summaries (an asynchronous projection) must not skip an event across the restarts: after a crash the
        // event sequence can step back (docs/reliability-decisions.md), and an event the projection's high-water mark
        // had passed would never be counted.
        var (countedPg, storedPg) = await DailyEpisodesOnceCaughtUp(nodeA.Client, writersA);
        Report($"PostgreSQL restart ({restarts} restarts, 8 writers)", "daily summaries: episodes counted / stored (the writers' records, after every fault so far)",
            $"{countedPg} / {storedPg}", countedPg == storedPg);

        if (restartOnly)
        {
            return figures.All(f => f.Ok) ? 0 : 1;
        }

        // ---------------------------------------------------------------- fuzzing
        Console.WriteLine($"fuzzing: {setup.FuzzCases} bad requests derived from /openapi/v1.json");
        using (var client = nodeA.Client())
        {
            var fuzzPatient = await Enroll(client);
            var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
            var cases = new OpenApiFuzzer(document, fuzzPatient).Derive(setup.FuzzCases);
            var report = await OpenApiFuzzer.RunAsync(cases, client, (request, fuzz) =>
            {
                var path = request.RequestUri!.OriginalString;
                request.Headers.Authorization = Tokens.Bearer(
                    path.StartsWith("/api/admin", StringComparison.Ordinal) ? Tokens.For(Roles.Operator, "fuzz")
                    : path.StartsWith("/api/audit", StringComparison.Ordinal) ? Tokens.For(Roles.Auditor, "fuzz")
                    : Tokens.Patient(fuzzPatient));
                return Task.CompletedTask;
            }, StreamVersion, parallelism: 1);
            Report("fuzzer", "bad requests sent", report.Cases, report.Cases >= setup.FuzzCases);
            Report("fuzzer", "5xx answers", report.ServerErrors, report.ServerErrors == 0);
            Report("fuzzer", "events stored by refused requests", report.EventsStoredByRefused, report.EventsStoredByRefused == 0);
            Report("fuzzer", "bad requests accepted (2xx)", report.Accepted, report.Accepted == 0);
            Report("fuzzer", "omissions of fields the document calls required but the API treats as optional, accepted (see docs/reliability-decisions.md)", report.AcceptedOmissions, true);
            Report("fuzzer", "answers seen", string.Join(", ", report.ByStatus.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")), true);
            foreach (var finding in report.Findings.Where(f => !f.StartsWith("omission", StringComparison.Ordinal)).Take(20))
            {
                Console.WriteLine($"    finding: {finding}");
            }
        }

        // ---------------------------------------------------------------- denied requests are audited
        Console.WriteLine("denied requests and the access audit");
        using (var client = nodeA.Client())
        {
            var victim = await Enroll(client);
            var stranger = Guid.NewGuid();
            var denials = new (string Label, string? Token, HttpMethod Method, string Route)[]
            {
                ("anonymous read", null, HttpMethod.Get, ""),
                ("another patient's read", Tokens.Patient(stranger), HttpMethod.Get, "/timeline"),
                ("another patient's write", Tokens.Patient(stranger), HttpMethod.Post, "/episodes"),
                ("clinician without consent", Tokens.For(Roles.Clinician, "dr-no"), HttpMethod.Get, "/export"),
                ("operator reading contents", Tokens.For(Roles.Operator, "ops"), HttpMethod.Get, "/history"),
                ("wrong signature", Tokens.Patient(victim)[..^4] + "AAAA", HttpMethod.Get, ""),
            };
            var sent = new List<string>();
            var deniedAnswers = 0;
            foreach (var (label, token, method, route) in denials)
            {
                for (var i = 0; i < 10; i++)
                {
                    var correlation = $"deny-{sent.Count}-{Guid.NewGuid():N}";
                    using var request = new HttpRequestMessage(method, $"/api/patients/{victim}{route}");
                    if (method == HttpMethod.Post)
                    {
                        request.Content = Bodies.Json(Bodies.Episode(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)));
                    }

                    if (token is not null)
                    {
                        request.Headers.Authorization = Tokens.Bearer(token);
                    }

                    request.Headers.Add("X-Correlation-ID", correlation);
                    using var response = await client.SendAsync(request);
                    if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                    {
                        deniedAnswers++;
                        sent.Add(correlation);
                    }
                }
            }

            var audit = await Get(client, $"/api/audit?patientId={victim}&limit=1000", Tokens.For(Roles.Auditor, "fault-suite"));
            var audited = audit.GetProperty("records").EnumerateArray()
                .Where(r => r.GetProperty("outcome").GetString() == "denied")
                .Select(r => r.GetProperty("correlationId").GetString()!).ToHashSet();
            var unaudited = sent.Count(c => !audited.Contains(c));
            Report("access audit", "denied requests sent", $"{deniedAnswers} of {denials.Length * 10}", deniedAnswers == denials.Length * 10);
            Report("access audit", "denied requests not in the audit", unaudited, unaudited == 0);
        }

        // ---------------------------------------------------------------- SMTP faults
        // One node at a time: nodes on one database share the scheduled retries, and node A sends to MailDev.
        await nodeA.DisposeAsync();
        nodes.Remove(nodeA);
        foreach (var fault in new[] { "down", SmtpFault.Slow.ToString(), SmtpFault.CrashAfterData.ToString() })
        {
            Console.WriteLine($"alert emails with SMTP {fault}");
            await using var smtp = new FakeSmtp(FreePort());
            smtp.Fault = fault == "down" ? SmtpFault.None : Enum.Parse<SmtpFault>(fault);
            if (fault != "down")
            {
                smtp.Start();
            }

            var node = new ApiNode(setup, $"node-smtp-{fault.ToLowerInvariant()}", FreePort(), smtp.Port);
            nodes.Add(node);
            await node.StartAsync();
            using var client = node.Client();
            // Each slow email takes 12 s to be accepted; two records (four emails) keep the case within a couple of minutes.
            var patients = await Task.WhenAll(Enumerable.Range(0, smtp.Fault == SmtpFault.Slow ? 2 : 4).Select(_ => Enroll(client)));
            foreach (var patient in patients)
            {
                await Post(client, patient, "symptoms", Bodies.Symptom(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)));
            }

            var killedDuringQuit = false;
            if (smtp.Fault == SmtpFault.Slow)
            {
                // The issue's first duplicate: the relay accepted the message, is slow to answer QUIT, and the API is killed.
                smtp.Accepted += acceptedId =>
                {
                    if (!killedDuringQuit)
                    {
                        killedDuringQuit = true;
                        _ = Task.Run(async () =>
                        {
                            await Task.Delay(TimeSpan.FromSeconds(2));
                            node.Kill();
                            await node.StartAsync();
                        });
                    }
                };
            }

            await RunDetection(client);
            if (fault == "down")
            {
                await Task.Delay(TimeSpan.FromSeconds(8));
                smtp.Start();
            }

            // Every alert's recipients get one email each: wait until all arrived or the time is up.
            var expected = new HashSet<string>();
            var deadline = DateTime.UtcNow.AddSeconds(smtp.Fault == SmtpFault.Slow ? 180 : 90);
            while (DateTime.UtcNow < deadline)
            {
                expected.Clear();
                foreach (var patient in patients)
                {
                    using var reader = node.Client();
                    JsonElement alerts;
                    try
                    {
                        alerts = await Get(reader, $"/api/patients/{patient}/alerts", Tokens.Patient(patient));
                    }
                    catch (HttpRequestException)
                    {
                        continue; // the node is restarting
                    }

                    foreach (var alert in alerts.GetProperty("alerts").EnumerateArray())
                    {
                        var alertId = alert.GetProperty("alertId").GetGuid();
                        expected.Add(AlertEmail.MessageId(alertId, $"p{patient:N}@example.org"));
                        expected.Add(AlertEmail.MessageId(alertId, $"c{patient:N}@example.org"));
                    }
                }

                if (expected.Count >= patients.Length * 2 && expected.All(smtp.Delivered.ContainsKey))
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            // Let late duplicates (a retry after a crash) show up before counting.
            await Task.Delay(TimeSpan.FromSeconds(smtp.Fault == SmtpFault.Slow ? 25 : 8));
            var lost = expected.Count(id => !smtp.Delivered.ContainsKey(id));
            var duplicated = smtp.Delivered.Values.Sum(n => n - 1);
            var label = $"SMTP {fault}" + (smtp.Fault == SmtpFault.Slow ? " (250 after 12 s, QUIT after 20 s, API killed during QUIT)" : "")
                + (smtp.Fault == SmtpFault.CrashAfterData ? " (connection dropped after the data, once per message)" : "")
                + (fault == "down" ? " (refusing connections for 8 s)" : "");
            Report(label, "alert emails expected", expected.Count, expected.Count == patients.Length * 2);
            Report(label, "alert emails lost", lost, lost == 0);
            Report(label, "alert emails duplicated", duplicated, duplicated == 0);
            await node.DisposeAsync();
            nodes.Remove(node);
        }

        // ---------------------------------------------------------------- two nodes on one database
        Console.WriteLine("two API nodes on one database");
        nodes.Add(nodeA);
        await nodeA.StartAsync();
        var nodeB = new ApiNode(setup, "node-b", FreePort(), setup.MailDevSmtp);
        nodes.Add(nodeB);
        await nodeB.StartAsync();
        using (var a = nodeA.Client())
        using (var b = nodeB.Client())
        {
            var patients = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Enroll(i % 2 == 0 ? a : b)));
            foreach (var patient in patients)
            {
                await Post(a, patient, "symptoms", Bodies.Symptom(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)));
            }

            await Task.WhenAll(RunDetection(a), RunDetection(b));
            await Task.WhenAll(RunDetection(a), RunDetection(b));
            using var mail = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{setup.MailDevWeb}") };
            var expected = new HashSet<string>();
            var alertsPerRule = new List<int>();
            var mailbox = new Dictionary<string, int>();
            for (var wait = 0; wait < 60; wait++)
            {
                expected.Clear();
                alertsPerRule.Clear();
                foreach (var patient in patients)
                {
                    var alerts = await Get(wait % 2 == 0 ? a : b, $"/api/patients/{patient}/alerts", Tokens.Patient(patient));
                    var list = alerts.GetProperty("alerts").EnumerateArray().ToList();
                    alertsPerRule.AddRange(list.GroupBy(x => x.GetProperty("ruleId").GetString()).Select(g => g.Count()));
                    foreach (var alert in list)
                    {
                        expected.Add(AlertEmail.MessageId(alert.GetProperty("alertId").GetGuid(), $"p{patient:N}@example.org"));
                        expected.Add(AlertEmail.MessageId(alert.GetProperty("alertId").GetGuid(), $"c{patient:N}@example.org"));
                    }
                }

                var emails = await mail.GetFromJsonAsync<JsonElement>("/email");
                mailbox = emails.EnumerateArray().Select(e => e.GetProperty("messageId").GetString()!.Trim('<', '>'))
                    .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
                if (expected.Count > 0 && expected.All(mailbox.ContainsKey))
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            await Task.Delay(TimeSpan.FromSeconds(5));
            var finalMail = await mail.GetFromJsonAsync<JsonElement>("/email");
            mailbox = finalMail.EnumerateArray().Select(e => e.GetProperty("messageId").GetString()!.Trim('<', '>'))
                .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
            Report("two nodes", "alerts raised (detection run on both nodes at once, twice)", alertsPerRule.Count, alertsPerRule.Count == patients.Length);
            Report("two nodes", "alerts raised more than once for one rule", alertsPerRule.Count(n => n > 1), alertsPerRule.All(n => n == 1));
            Report("two nodes", "alert emails lost", expected.Count(id => !mailbox.ContainsKey(id)), expected.All(mailbox.ContainsKey));
            Report("two nodes", "alert emails duplicated", expected.Sum(id => Math.Max(0, mailbox.GetValueOrDefault(id) - 1)), expected.All(id => mailbox.GetValueOrDefault(id) <= 1));

            // The same If-Match through both nodes at once: exactly one write may win each round.
            var subject = await Enroll(a);
            int bothWon = 0, oneWon = 0, rounds = 20;
            for (var round = 0; round < rounds; round++)
            {
                var version = await StreamVersion(subject);
                var results = await Task.WhenAll(
                    Post(a, subject, "episodes", Bodies.Episode(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)), $"\"{version}\""),
                    Post(b, subject, "episodes", Bodies.Episode(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)), $"\"{version}\""));
                var won = results.Count(s => s == HttpStatusCode.Created);
                bothWon += won == 2 ? 1 : 0;
                oneWon += won == 1 && results.Contains(HttpStatusCode.PreconditionFailed) ? 1 : 0;
            }

            Report("two nodes", $"same If-Match through both nodes ({rounds} rounds): rounds with exactly one winner and one 412", oneWon, oneWon == rounds);
            Report("two nodes", "rounds where both writes were accepted", bothWon, bothWon == 0);

            // Async projections: entries written through both nodes; the daily summaries count each exactly once.
            var day = await Enroll(a);
            var at = DateTimeOffset.UtcNow.AddHours(-1);
            for (var i = 0; i < 20; i++)
            {
                await Post(i % 2 == 0 ? a : b, day, "episodes", Bodies.Episode(Guid.NewGuid(), at));
            }

            int episodesA = -1, episodesB = -1;
            for (var wait = 0; wait < 60 && (episodesA != 20 || episodesB != 20); wait++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                episodesA = await DailyEpisodes(a, day);
                episodesB = await DailyEpisodes(b, day);
            }

            Report("two nodes", "daily summaries: episodes counted (20 written through both nodes) as read on node A / node B", $"{episodesA} / {episodesB}", episodesA == 20 && episodesB == 20);
            await using var assignments = owner.CreateCommand("select id, count(distinct node_id) from wolverine.wolverine_node_assignments where node_id is not null group by 1");
            var agents = new List<(string Uri, long Nodes)>();
            await using (var reader = await assignments.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    agents.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            var projectionAgents = agents.Where(x => x.Uri.Contains("event-subscriptions", StringComparison.OrdinalIgnoreCase) || x.Uri.Contains("projection", StringComparison.OrdinalIgnoreCase)).ToList();
            Report("two nodes", "async projection agents assigned (each to exactly one node)", projectionAgents.Count, projectionAgents.Count > 0 && projectionAgents.All(x => x.Nodes == 1));
        }
    }

    // ---------------------------------------------------------------- one shard down (sharded deployment)
    // A control database and two shard clusters (ops/faults provisioned them), two API nodes. Writers on both shards;
    // alerts raised for one shard's records just before that shard is stopped (round 1) or killed (round 2); the
    // shard is started again after 10 s. Then: the node running a shard's daily-summary agent is killed with -9.
    Console.WriteLine("sharded deployment: one shard cluster stopped, then killed, under write load on both shards");
    var shards = setup.Shards.Select(s => new ShardCluster(setup, s.Id, s.Port, s.DataDir)).ToDictionary(s => s.Id);
    await using var control = NpgsqlDataSource.Create(setup.ShardedControlConnection);
    var shardData = shards.Values.ToDictionary(s => s.Id, s => NpgsqlDataSource.Create(s.OwnerConnection));
    try
    {
        var shardedEnvironment = setup.ShardedEnvironment();
        // The sharded nodes send through a gate to MailDev, shut from the detection run until the shard is down, so
        // that the alert e-mails are certainly waiting in the shard's outbox when it goes.
        await using var smtpGate = SmtpGate.OpenTo(setup.MailDevSmtp);
        var shardedA = new ApiNode(setup, "node-sharded-a", FreePort(), smtpGate.Port, shardedEnvironment);
        nodes.Add(shardedA);
        await shardedA.StartAsync();
        // Node A registers with Wolverine first: the other row of wolverine_nodes is node B's.
        var nodeIdA = await ControlScalar<Guid>("select id from wolverine.wolverine_nodes order by node_number limit 1");
        var shardedB = new ApiNode(setup, "node-sharded-b", FreePort(), smtpGate.Port, shardedEnvironment);
        nodes.Add(shardedB);
        await shardedB.StartAsync();

        // Which shard holds a patient: the assignment table of the pool registry, read as the operator would.
        var shardOfTenant = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var assignments = control.CreateCommand("select tenant_id, database_id from sharding.mt_tenant_assignments"))
        await using (var reader = await assignments.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                shardOfTenant[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var buckets = new EventHealth.Sharding.PatientBuckets(shardOfTenant.Count - 1);
        string ShardOf(Guid patientId) => shardOfTenant[buckets.TenantOf(patientId)];
        var roundRobin = 0;
        HttpClient AnyNode() => Interlocked.Increment(ref roundRobin) % 2 == 0 ? shardedA.Client() : shardedB.Client();

        // Enrolls until each shard has `perShard` new records.
        async Task<Dictionary<string, Guid[]>> EnrollOnEachShard(int perShard)
        {
            var found = shards.Keys.ToDictionary(id => id, _ => new List<Guid>());
            using var client = shardedA.Client();
            while (found.Values.Any(list => list.Count < perShard))
            {
                var patient = await Enroll(client);
                if (found[ShardOf(patient)].Count < perShard)
                {
                    found[ShardOf(patient)].Add(patient);
                }
            }

            return found.ToDictionary(f => f.Key, f => f.Value.ToArray());
        }

        using var mail = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{setup.MailDevWeb}") };
        async Task<Dictionary<string, int>> Mailbox() =>
            (await mail.GetFromJsonAsync<JsonElement>("/email")).EnumerateArray().Select(e => e.GetProperty("messageId").GetString()!.Trim('<', '>'))
                .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        var writers = await EnrollOnEachShard(6);
        foreach (var (victimId, kill) in new[] { ("shard02", false), ("shard01", true) })
        {
            var victim = shards[victimId];
            var healthyId = shards.Keys.Single(id => id != victimId);
            var label = $"shard down: {victimId} {(kill ? "killed (-9)" : "stopped (-m fast)")} for 10 s, 12 writers on 2 shards";
            Console.WriteLine(label);

            // Records of the victim shard with an alarming symptom: the detection run raises their alerts, whose
            // e-mails wait in that shard's outbox (SMTP gated shut) when it goes down.
            var alerting = (await EnrollOnEachShard(4))[victimId];
            foreach (var patient in alerting)
            {
                using var client = shardedA.Client();
                await Post(client, patient, "symptoms", Bodies.Symptom(Guid.NewGuid(), DateTimeOffset.UtcNow.AddHours(-1)));
            }

            var deliveredAtOutage = -1;
            var expectedEmails = new HashSet<string>();
            var outage = Task.CompletedTask;
            async Task Outage()
            {
                await Task.Delay(TimeSpan.FromSeconds(4));
                smtpGate.Close();
                using (var client = shardedA.Client())
                {
                    await RunDetection(client);
                    foreach (var patient in alerting)
                    {
                        foreach (var alert in (await Get(client, $"/api/patients/{patient}/alerts", Tokens.Patient(patient))).GetProperty("alerts").EnumerateArray())
                        {
                            expectedEmails.Add(AlertEmail.MessageId(alert.GetProperty("alertId").GetGuid(), $"p{patient:N}@example.org"));
                            expectedEmails.Add(AlertEmail.MessageId(alert.GetProperty("alertId").GetGuid(), $"c{patient:N}@example.org"));
                        }
                    }
                }

                if (kill)
                {
                    await victim.KillAsync();
                }
                else
                {
                    await victim.StopAsync();
                }

                var mailbox = await Mailbox();
                deliveredAtOutage = expectedEmails.Count(mailbox.ContainsKey);
                // The mail server is reachable again for the rest of the outage and after it.
                smtpGate.Open();
                await Task.Delay(TimeSpan.FromSeconds(10));
                await victim.StartAsync();
            }

            var victimLoad = WriteLoad(AnyNode, writers[victimId], TimeSpan.FromSeconds(30), () => outage = Outage());
            var healthyLoad = WriteLoad(AnyNode, writers[healthyId], TimeSpan.FromSeconds(30), () => Task.CompletedTask);
            var (ackVictim, statusVictim) = await victimLoad;
            var (ackHealthy, statusHealthy) = await healthyLoad;
            await outage;

            var (lost, duplicated) = await CheckAcknowledgedOnShards([.. ackVictim, .. ackHealthy]);
            var acknowledged = ackVictim.Count + ackHealthy.Count;
            var victimErrors = statusVictim.Where(s => ServerError(s.Key)).Sum(s => s.Value);
            var healthyNot2xx = statusHealthy.Where(s => s.Key is < 200 or > 299).Sum(s => s.Value);
            Report(label, $"{victimId}'s writers: answers seen", Statuses(statusVictim), victimErrors == 0);
            Report(label, $"{victimId}'s writers: 503 with Retry-After", statusVictim.GetValueOrDefault(503), statusVictim.GetValueOrDefault(503) > 0);
            Report(label, $"{victimId}'s writers: 5xx other than 503 with Retry-After", victimErrors, victimErrors == 0);
            Report(label, $"{healthyId}'s writers: answers seen", Statuses(statusHealthy), healthyNot2xx == 0);
            Report(label, $"{healthyId}'s writers: answers other than 2xx", healthyNot2xx, healthyNot2xx == 0);
            Report(label, "acknowledged entries (both shards)", acknowledged, ackVictim.Count > 0 && ackHealthy.Count > 0);
            Report(label, "acknowledged entries lost", lost, lost == 0);
            Report(label, "acknowledged entries duplicated", duplicated, duplicated == 0);

            // The victim shard's alert e-mails: each alert's two recipients get exactly one e-mail, whether it left
            // before the outage or waited in the shard's outbox until the restart.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            var inbox = await Mailbox();
            while (DateTime.UtcNow < deadline && !expectedEmails.All(inbox.ContainsKey))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                inbox = await Mailbox();
            }

            // Late duplicates (a resend after the restart) get time to show up before counting.
            await Task.Delay(TimeSpan.FromSeconds(8));
            inbox = await Mailbox();
            var emailsLost = expectedEmails.Count(id => !inbox.ContainsKey(id));
            var emailsDuplicated = expectedEmails.Sum(id => Math.Max(0, inbox.GetValueOrDefault(id) - 1));
            Report(label, $"{victimId}'s alert e-mails expected ({alerting.Length} records, 2 recipients each)", expectedEmails.Count, expectedEmails.Count >= alerting.Length * 2);
            Report(label, $"{victimId}'s alert e-mails delivered before the outage (SMTP shut from the detection run until the shard went down) / after", $"{deliveredAtOutage} / {expectedEmails.Count - emailsLost - deliveredAtOutage}", true);
            Report(label, $"{victimId}'s alert e-mails lost", emailsLost, emailsLost == 0);
            Report(label, $"{victimId}'s alert e-mails duplicated", emailsDuplicated, emailsDuplicated == 0);
        }

        // ------------------------------------------------------------ kill -9 of the node running a shard's agent
        Console.WriteLine("sharded deployment: kill -9 of the node running a shard's daily-summary projection agent");
        const string agentShard = "shard01";
        const string agentLabel = $"sharded: kill -9 of the node running {agentShard}'s daily-summary agent";
        var agentsBefore = await DaySummaryAgents(agentShard);
        if (agentsBefore.Count != 1)
        {
            Console.WriteLine($"    agents: {string.Join(", ", await AllAgents())}");
        }

        var (killed, survivor) = agentsBefore.Count > 0 && agentsBefore[0].Node == nodeIdA ? (shardedA, shardedB) : (shardedB, shardedA);
        Report(agentLabel, $"{agentShard} daily-summary agents assigned before the kill (each to one node)",
            agentsBefore.Count == 1 ? $"1 ({agentsBefore[0].Uri} on {killed.Name})" : agentsBefore.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), agentsBefore.Count == 1);
        var dayPatient = (await EnrollOnEachShard(1))[agentShard][0];
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        using (var client = killed.Client())
        {
            for (var i = 0; i < 10; i++)
            {
                await Post(client, dayPatient, "episodes", Bodies.Episode(Guid.NewGuid(), at));
            }
        }

        killed.Kill();
        var afterKill = Stopwatch.StartNew();
        using (var client = survivor.Client())
        {
            for (var i = 0; i < 10; i++)
            {
                await Post(client, dayPatient, "episodes", Bodies.Episode(Guid.NewGuid(), at));
            }
        }

        var counted = -1;
        using (var client = survivor.Client())
        {
            while (afterKill.Elapsed < TimeSpan.FromSeconds(180) && counted != 20)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                counted = await DailyEpisodes(client, dayPatient);
            }
        }

        var caughtUpIn = afterKill.Elapsed.TotalSeconds;
        var agentsAfter = await DaySummaryAgents(agentShard);
        var survivorId = killed == shardedA
            ? await ControlScalar<Guid>($"select id from wolverine.wolverine_nodes where id <> '{nodeIdA}' order by node_number limit 1")
            : nodeIdA;
        Report(agentLabel, "episodes counted on the surviving node's /daily (10 before the kill, 10 after)", counted, counted == 20);
        Report(agentLabel, "seconds from the kill until /daily counted all 20 (Wolverine's stale-node detection, then the agent's catch-up)", Math.Round(caughtUpIn), counted == 20);
        Report(agentLabel, "agent assigned to the surviving node afterwards", agentsAfter.Count == 1 && agentsAfter[0].Node == survivorId ? "yes" : $"no ({agentsAfter.Count} assignments)",
            agentsAfter.Count == 1 && agentsAfter[0].Node == survivorId);
    }
    finally
    {
        foreach (var source in shardData.Values)
        {
            await source.DisposeAsync();
        }
    }

    async Task<T> ControlScalar<T>(string sql)
    {
        await using var command = control.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    // The async projection agents of one shard's daily summaries (Wolverine's agent uris name the database) and their nodes.
    async Task<List<(string Uri, Guid Node)>> DaySummaryAgents(string shardId) =>
        [.. (await AllAgents()).Where(a => a.Uri.Contains(shardId, StringComparison.OrdinalIgnoreCase) && a.Uri.Contains("patientdays", StringComparison.OrdinalIgnoreCase))];

    async Task<List<(string Uri, Guid Node)>> AllAgents()
    {
        var agents = new List<(string, Guid)>();
        await using var command = control.CreateCommand("select id, node_id from wolverine.wolverine_node_assignments where node_id is not null");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            agents.Add((reader.GetString(0), reader.GetGuid(1)));
        }

        return agents;
    }

    // Entries acknowledged by the sharded API must be in their shard's log exactly once.
    async Task<(int Lost, int Duplicated)> CheckAcknowledgedOnShards(List<(Guid Patient, Guid Entry)> acknowledged)
    {
        var counts = new Dictionary<string, long>();
        foreach (var source in shardData.Values)
        {
            await using var command = source.CreateCommand("select data->>'entryId', count(*) from eventhealth.mt_events where data->>'entryId' = any($1) group by 1");
            command.Parameters.AddWithValue(acknowledged.Select(a => a.Entry.ToString()).ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                counts[reader.GetString(0)] = counts.GetValueOrDefault(reader.GetString(0)) + reader.GetInt64(1);
            }
        }

        return (acknowledged.Count(a => !counts.ContainsKey(a.Entry.ToString())), (int)counts.Values.Sum(n => Math.Max(0, n - 1)));
    }
}
finally
{
    foreach (var node in nodes)
    {
        await node.DisposeAsync();
    }
}

// ---------------------------------------------------------------- record text in the logs
var logLines = 0;
var leaked = 0;
foreach (var file in Directory.GetFiles(setup.WorkDir, "node-*.log"))
{
    foreach (var line in File.ReadLines(file))
    {
        logLines++;
        if (line.Contains(canary, StringComparison.OrdinalIgnoreCase) || line.Contains("fuzz@example.org", StringComparison.Ordinal) || line.Contains("@example.org", StringComparison.Ordinal))
        {
            leaked++;
        }
    }
}

Report("logs", "API log lines written", logLines, logLines > 0);
Report("logs", "log lines with record text (names, emails, free text)", leaked, leaked == 0);

var failed = figures.Count(f => !f.Ok);
Console.WriteLine($"fault suite: {figures.Count - failed} figures as promised, {failed} not, in {clock.Elapsed.TotalSeconds:0} s");
var markdown = new System.Text.StringBuilder();
markdown.AppendLine("# Reliability: the fault suite's figures");
markdown.AppendLine();
markdown.AppendLine($"Written by `ops/faults` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC ({Environment.ProcessorCount} cores, {clock.Elapsed.TotalSeconds:0} s). ");
markdown.AppendLine("Each line is measured in that run; the method and the decisions behind them are in docs/reliability-decisions.md.");
markdown.AppendLine();
markdown.AppendLine("| scenario | figure | value | as promised |");
markdown.AppendLine("| --- | --- | --- | --- |");
foreach (var (area, figure, value, ok) in figures)
{
    markdown.AppendLine($"| {area} | {figure} | {value} | {(ok ? "yes" : "**no**")} |");
}

if (!shardedOnly && !restartOnly)
{
    File.WriteAllText(setup.Docs, markdown.ToString());
    Console.WriteLine($"figures written to {setup.Docs}");
}
return failed == 0 ? 0 : 1;

