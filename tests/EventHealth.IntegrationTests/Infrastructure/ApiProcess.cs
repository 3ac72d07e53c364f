using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// The API as a process of its own, from the Release build ops/test made, on a database of its own: for tests that stop
/// it as an operator or a crash would (kill -9 cuts its connections with no shutdown hook run).
/// </summary>
public sealed partial class ApiProcess : IAsyncDisposable
{
    public static string Directory { get; } = Path.Combine(Repository.Root, "src", "EventHealth.Api", "bin", "Release", "net10.0");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ApiProcess(ProcessStartInfo start)
    {
        _process = Process.Start(start)!;
        _process.OutputDataReceived += Read;
        _process.ErrorDataReceived += Read;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Where it listens (a free loopback port the kernel chose).</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>
    /// Starts the API on <paramref name="database"/> in Development (which creates its schema) with
    /// <paramref name="settings"/> on top, and returns once it listens and answers ready.
    /// </summary>
    public static async Task<ApiProcess> StartAsync(string database, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Directory };
        start.ArgumentList.Add(Path.Combine(Directory, "EventHealth.Api.dll"));
        Configure(start, database);
        // The lifetime's lines say where it listens and when it has started; the rest would only be noise here.
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var api = new ApiProcess(start);
        try
        {
            api.Address = await api._listening.Task.WaitAsync(TimeSpan.FromMinutes(2));
            await api.WaitReadyAsync();
            return api;
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// What every API process of the tests gets: its own database and no shard of the shared host's deployment (ops/test
    /// exports them for EVENTHEALTH_SHARDS=2), the Release build, Development, a free port, an idle job queue.
    /// </summary>
    public static void Configure(ProcessStartInfo start, string database)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["ConnectionStrings__EventHealth"] = database;
        foreach (var inherited in start.Environment.Keys
                     .Where(key => key.StartsWith("Sharding__", StringComparison.OrdinalIgnoreCase) || key == "EVENTHEALTH_SHARDS").ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["EVENTHEALTH_CONFIGURATION"] = "Release";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["Scheduling__QueuePollInterval"] = "00:00:15";
    }

    public HttpClient Client() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(100) };

    /// <summary>kill -9: no shutdown hook, no flush; every connection it held is cut.</summary>
    public void Kill()
    {
        // At once: a process-tree kill first walks /proc, long enough for the requests in flight to be answered.
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>What it printed, for a failing assertion's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Read(object sender, DataReceivedEventArgs line)
    {
        if (line.Data is null)
        {
            if (_process.HasExited)
            {
                _listening.TrySetException(new InvalidOperationException($"The API exited before it listened:\n{Output}"));
            }

            return;
        }

        lock (_output)
        {
            _output.AppendLine(line.Data);
        }

        if (Listening().Match(line.Data) is { Success: true } match && Uri.TryCreate(match.Groups["address"].Value, UriKind.Absolute, out var address))
        {
            _listening.TrySetResult(address);
        }
    }

    private async Task WaitReadyAsync()
    {
        using var client = Client();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            try
            {
                using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), deadline.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Listening, but not yet serving.
            }

            // Readiness has no event to wait on from outside the process: ask again shortly.
            await Task.Delay(TimeSpan.FromMilliseconds(200), deadline.Token);
        }
    }

    // The console logger may colour the address: only the address itself is taken.
    [GeneratedRegex(@"Now listening on: (?<address>http://[0-9.]+:[0-9]+)")]
    private static partial Regex Listening();
}
