using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.Faults;

/// <summary>Where everything runs: given by ops/faults, which started PostgreSQL and MailDev.</summary>
public sealed record Setup(string ApiDll, string WorkDir, string PgBin, string PgData, int PgPort, int MailDevSmtp, int MailDevWeb, string Docs, int FuzzCases,
    string ShardedControlDatabase, IReadOnlyList<(string Id, int Port, string DataDir)> Shards)
{
    public static Setup FromEnvironment() => new(
        Env("FAULTS_API_DLL"), Env("FAULTS_WORK_DIR"), Env("FAULTS_PG_BIN"), Env("FAULTS_PG_DATA"), int.Parse(Env("FAULTS_PG_PORT")),
        int.Parse(Env("FAULTS_MAILDEV_SMTP")), int.Parse(Env("FAULTS_MAILDEV_WEB")), Env("FAULTS_DOCS"),
        int.Parse(Environment.GetEnvironmentVariable("FAULTS_FUZZ_CASES") ?? "3000"),
        Env("FAULTS_SHARDED_CONTROL"),
        // "shard01:port:dir shard02:port:dir"
        [.. Env("FAULTS_SHARDS").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split(':', 3)).Select(p => (p[0], int.Parse(p[1]), p[2]))]);

    public string OwnerConnection => $"Host=127.0.0.1;Port={PgPort};Database=eventhealth;Username=postgres";

    /// <summary>The sharded deployment's control database, as its owner.</summary>
    public string ShardedControlConnection => $"Host=127.0.0.1;Port={PgPort};Database={ShardedControlDatabase};Username=postgres";

    public static string ShardDatabase(string shardId) => $"eventhealth_{shardId}";

    /// <summary>
    /// What makes an API node a node of the sharded deployment: the control database and every shard, as the API's
    /// least-privileged role. A short connect timeout, so that a request for a stopped shard is answered at once.
    /// </summary>
    public Dictionary<string, string> ShardedEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__EventHealth"] = $"Host=127.0.0.1;Port={PgPort};Database={ShardedControlDatabase};Username=eventhealth_api;Maximum Pool Size=40",
        };
        foreach (var (id, port, _) in Shards)
        {
            environment[$"Sharding__Shards__{id}"] = $"Host=127.0.0.1;Port={port};Database={ShardDatabase(id)};Username=eventhealth_api;Maximum Pool Size=40;Timeout=3";
        }

        return environment;
    }

    private static string Env(string name) => Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: run ops/faults");
}

public static class Tokens
{
    public static readonly IdentitySettings Settings = new()
    {
        Issuer = "eventhealth-faults",
        Audience = "eventhealth-api",
        SigningKey = "fault-suite-signing-key-not-a-secret-0123456789",
    };

    public static string For(string role, string subject) =>
        IdentityConfiguration.MintLocalToken(Settings, role, subject, DateTimeOffset.UtcNow, TimeSpan.FromHours(2));

    public static string Patient(Guid id) => For(Roles.Patient, id.ToString());

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}

/// <summary>
/// One API process, started as production would run it (built dll, least-privileged database role, schema made by
/// `resources setup`), with its console log kept in a file. Killed with SIGKILL, restarted on the same port.
/// </summary>
public sealed class ApiNode(Setup setup, string name, int port, int smtpPort, IReadOnlyDictionary<string, string>? environment = null) : IAsyncDisposable
{
    private Process? process;

    public string Name => name;
    public Uri Url { get; } = new($"http://127.0.0.1:{port}");
    public string LogFile => Path.Combine(setup.WorkDir, $"{name}.log");

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("dotnet", setup.ApiDll)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(setup.ApiDll)!,
        };
        var env = info.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "FaultSuite";
        env["ASPNETCORE_URLS"] = Url.ToString().TrimEnd('/');
        env["ConnectionStrings__EventHealth"] = $"Host=127.0.0.1;Port={setup.PgPort};Database=eventhealth;Username=eventhealth_api;Maximum Pool Size=40";
        env["Smtp__Host"] = "127.0.0.1";
        env["Smtp__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["Auth__Issuer"] = Tokens.Settings.Issuer;
        env["Auth__SigningKey"] = Tokens.Settings.SigningKey;
        env["RateLimits__WritesPerMinute"] = "1000000";
        env["RateLimits__ReadsPerMinute"] = "1000000";
        env["RateLimits__AnonymousPerMinute"] = "1000000";
        env["AlertEmails__DailyCapPerPatient"] = "100";
        string[] delays = ["00:00:01", "00:00:01", "00:00:02", "00:00:02", "00:00:03", "00:00:03", "00:00:05", "00:00:05"];
        for (var i = 0; i < delays.Length; i++)
        {
            env[$"AlertEmails__RetryDelays__{i}"] = delays[i];
        }

        env["Detection__Cron"] = "0 0 1 1 *";
        env["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }

        process = Process.Start(info)!;
        var log = new StreamWriter(LogFile, append: true) { AutoFlush = true };
        var gate = new object();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (gate) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"{name} exited with {process.ExitCode}; see {LogFile}");
            }

            try
            {
                if ((await client.GetAsync(new Uri(Url, "/health/ready"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{name} did not get ready; see {LogFile}");
    }

    /// <summary>kill -9: no shutdown hooks, no flushing, connections cut.</summary>
    public void Kill()
    {
        process?.Kill(entireProcessTree: true);
        process?.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process?.Dispose();
        process = null;
    }

    public HttpClient Client() => new() { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(100) };
}

public static class Postgres
{
    /// <summary>pg_ctl restart -m immediate: the server stops without a checkpoint (as on a crash) and recovers on start.</summary>
    public static async Task RestartImmediateAsync(Setup setup)
    {
        var info = new ProcessStartInfo("runuser", ["-u", "postgres", "--", Path.Combine(setup.PgBin, "pg_ctl"), "-D", setup.PgData, "-m", "immediate",
            "-l", Path.Combine(setup.PgData, "server.log"), "-w", "-t", "60", "restart"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var pgctl = Process.Start(info)!;
        await pgctl.WaitForExitAsync();
        if (pgctl.ExitCode != 0)
        {
            throw new InvalidOperationException("pg_ctl restart failed: " + await pgctl.StandardError.ReadToEndAsync());
        }
    }
}

/// <summary>One shard cluster of the sharded deployment (started by ops/faults): stopped cleanly, killed, started again on its port.</summary>
public sealed class ShardCluster(Setup setup, string id, int port, string dataDir)
{
    public string Id => id;

    // Unpooled: the suite's own queries must not pick up a connection that the last stop or kill broke.
    public string OwnerConnection => $"Host=127.0.0.1;Port={port};Database={Setup.ShardDatabase(id)};Username=postgres;Pooling=false";

    /// <summary>pg_ctl stop -m fast: sessions are ended, the data checkpointed.</summary>
    public Task StopAsync() => PgCtlAsync("-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>kill -9 of the postmaster, as a crash would end it; returns once it and its backends are gone.</summary>
    public async Task KillAsync()
    {
        var pidFile = Path.Combine(dataDir, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
        var children = ProcessTable.ChildrenOf(postmaster);
        Process.Start("kill", ["-KILL", postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((ProcessTable.IsRunning(postmaster) || children.Any(ProcessTable.IsRunning)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        if (File.Exists($"/proc/{postmaster}/stat"))
        {
            // A zombie nobody reaps still answers kill(pid, 0), and the next postmaster would refuse its lock file.
            File.Delete(pidFile);
        }
    }

    /// <summary>Starts the server with the settings ops/lib/services.sh start_postgres gave it.</summary>
    public Task StartAsync() => PgCtlAsync("-l", Path.Combine(dataDir, "server.log"), "-w", "-t", "60", "-o",
        $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{dataDir}' -c max_connections=200 -c fsync=on", "start");

    private async Task PgCtlAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("runuser", ["-u", "postgres", "--", Path.Combine(setup.PgBin, "pg_ctl"), "-D", dataDir, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        using var pgctl = Process.Start(info)!;
        var output = pgctl.StandardOutput.ReadToEndAsync();
        var error = pgctl.StandardError.ReadToEndAsync();
        await pgctl.WaitForExitAsync();
        if (pgctl.ExitCode != 0)
        {
            throw new InvalidOperationException($"pg_ctl {string.Join(' ', arguments)} on {id} failed: {await error}{await output}");
        }
    }
}

public static class Bodies
{
    public static string Enrollment(Guid patientId, string displayName, string email, string clinicianEmail) => $$"""
        {"patientId":"{{patientId}}","displayName":"{{displayName}}","email":"{{email}}","timeZone":"Europe/Paris","clinicianEmail":"{{clinicianEmail}}","alertEmails":true}
        """;

    public static string Episode(Guid entryId, DateTimeOffset at, int intensity = 3) => $$"""
        {"entryId":"{{entryId}}","occurredAt":"{{at:O}}","bodyRegions":["calf"],"side":"left","intensity":{{intensity}},"durationSeconds":30,"visible":true,"painful":false}
        """;

    public static string Symptom(Guid entryId, DateTimeOffset at, string kind = "speech-difficulty") => $$"""
        {"entryId":"{{entryId}}","occurredAt":"{{at:O}}","kind":"{{kind}}","bodyRegion":"hand","severity":7}
        """;

    public static string Trigger(Guid entryId, DateTimeOffset at, string details) => $$"""
        {"entryId":"{{entryId}}","occurredAt":"{{at:O}}","kind":"stress","level":5,"details":"{{details}}"}
        """;

    public static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
