using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A throwaway private PostgreSQL cluster for tests that need clusters of their own (shards to stop, kill and restart):
/// initdb and pg_ctl from <c>EVENTHEALTH_PG_BIN</c> (set by ops/test), loopback only, fsync off, one named database.
/// As root the server runs as the <c>postgres</c> user, as ops/lib/services.sh does: PostgreSQL refuses to run as root.
/// The port is chosen once, so connection strings stay valid across restarts.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private const string BinVariable = "EVENTHEALTH_PG_BIN";
    private static readonly bool AsRoot = Environment.IsPrivilegedProcess;

    private readonly string bin;
    private readonly string baseDirectory;

    public PostgresCluster(string database)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("PostgresCluster reads /proc and runs PostgreSQL's Linux server binaries.");
        }

        bin = Environment.GetEnvironmentVariable(BinVariable)
            ?? throw new InvalidOperationException($"{BinVariable} is not set: run the tests through ops/test, which sets it.");
        Database = database;
        Port = FreePort();
        // The postgres user must be able to enter every directory above the data (mktemp-style folders are 0700).
        baseDirectory = Directory.CreateTempSubdirectory("eventhealth-cluster-").FullName;
        File.SetUnixFileMode(baseDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        DataDirectory = Path.Combine(baseDirectory, "data");
    }

    /// <summary>
    /// Why tests that start clusters cannot run here, or null when they can. Only an unset variable skips them: a wrong
    /// one fails, so that a broken ops/test cannot pass by skipping.
    /// </summary>
    public static string? UnavailableReason =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BinVariable))
            ? $"{BinVariable} is not set: it names PostgreSQL's server binaries (initdb, pg_ctl); ops/test sets it."
            : null;

    /// <summary>The database created on first start.</summary>
    public string Database { get; }

    public int Port { get; }

    public string DataDirectory { get; }

    public string ConnectionString(string? database = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Database = database ?? Database,
            Username = "postgres",
        }.ConnectionString;

    /// <summary>Creates the cluster and its database on first use; starts the server and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var firstStart = !File.Exists(Path.Combine(DataDirectory, "PG_VERSION"));
        if (firstStart)
        {
            Directory.CreateDirectory(DataDirectory);
            if (AsRoot)
            {
                await RunAsync("chown", ["-R", "postgres", baseDirectory]);
            }

            await RunAsServerOwnerAsync("initdb", ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"]);
        }

        var serverLog = Path.Combine(DataDirectory, "server.log");
        try
        {
            await RunAsServerOwnerAsync("pg_ctl", ["-D", DataDirectory, "-l", serverLog, "-w", "-t", "60", "-o",
                $"-p {Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{DataDirectory}' -c max_connections=200 -c fsync=off", "start"]);
        }
        catch (InvalidOperationException failed) when (File.Exists(serverLog))
        {
            // The reason is in the server's log, which DisposeAsync deletes with the cluster.
            throw new InvalidOperationException(failed.Message + "\nserver.log ends:\n" + string.Join('\n', File.ReadLines(serverLog).TakeLast(15)), failed);
        }

        if (firstStart)
        {
            await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{Database}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A clean stop (pg_ctl -m fast): open sessions are ended, the data is checkpointed.</summary>
    public Task StopAsync() => RunAsServerOwnerAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"]);

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>
    /// SIGKILL to the postmaster, as a crash would end it: no checkpoint, recovery on the next start. Returns once the
    /// postmaster and its backends are gone (they notice its death; stragglers are killed), so a start can follow.
    /// </summary>
    public async Task KillAsync()
    {
        var postmaster = PostmasterId() ?? throw new InvalidOperationException("The cluster is not running.");
        var children = ProcessTable.ChildrenOf(postmaster);
        using (var process = Process.GetProcessById(postmaster))
        {
            process.Kill();
        }

        // Until reaped, the dead postmaster is a zombie whose pid still answers kill(pid, 0), and the next postmaster
        // refuses to start over its lock file; init reaps it within a second or two here.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((File.Exists($"/proc/{postmaster}/stat") || children.Any(ProcessTable.IsRunning)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        foreach (var child in children.Where(ProcessTable.IsRunning))
        {
            try
            {
                using var process = Process.GetProcessById(child);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Gone meanwhile.
            }
        }

        if (File.Exists($"/proc/{postmaster}/stat"))
        {
            // Never reaped (an init that does not reap): a zombie holds nothing, only its lock file stands in the way.
            File.Delete(Path.Combine(DataDirectory, "postmaster.pid"));
        }
    }

    /// <summary>Stops the server if it runs and deletes the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        if (PostmasterId() is { } postmaster && ProcessTable.IsRunning(postmaster))
        {
            await RunAsServerOwnerAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"]);
        }

        Directory.Delete(baseDirectory, recursive: true);
    }

    /// <summary>The postmaster's process id from postmaster.pid, or null when there is none.</summary>
    private int? PostmasterId()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private Task RunAsServerOwnerAsync(string program, string[] arguments) =>
        AsRoot
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, program), .. arguments])
            : RunAsync(Path.Combine(bin, program), arguments);

    private static async Task RunAsync(string program, string[] arguments)
    {
        // From /, which the postgres user can always enter; the output is read so that a full pipe cannot block it.
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = "/",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fact that starts PostgreSQL clusters of its own: skipped, saying why, where the server binaries are unknown.</summary>
public sealed class PostgresClusterFactAttribute : FactAttribute
{
    public PostgresClusterFactAttribute()
    {
        if (PostgresCluster.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
