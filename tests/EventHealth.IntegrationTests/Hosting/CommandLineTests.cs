using System.Diagnostics;
using System.Text;
using EventHealth.IntegrationTests.Infrastructure;
using Npgsql;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// The API as a process, started the way the README says: a plain start, and a command-line verb through ops/cli from
/// the repository root, on a database of their own.
/// </summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task A_plain_start_prints_no_command_search_and_a_verb_runs_from_the_repository_root_as_the_readme_shows()
    {
        var database = await OwnDatabases.CreateAsync("eventhealth_command_line");
        var project = Path.Combine(Repository.Root, "src", "EventHealth.Api");

        // A plain start, as ops/run does it (it also creates the schema of this database, as in development).
        var (_, started) = await RunAsync("dotnet", [Path.Combine(ApiProcess.Directory, "EventHealth.Api.dll")], project, database,
            stopWhen: line => line.Contains("Application started", StringComparison.Ordinal));
        started.ShouldContain("Application started");
        started.ShouldNotContain("for commands", Case.Sensitive, "a start does not search assemblies for command-line verbs");

        // The README's verb, from the repository root.
        var report = Path.Combine(Path.GetTempPath(), $"backtest-{Guid.NewGuid():N}.json");
        try
        {
            var (exitCode, output) = await RunAsync(Path.Combine(Repository.Root, "ops", "cli"),
                ["backtest", "2026-01-01", "2026-01-02", "--out", report], Repository.Root, database, stopWhen: null);

            output.ShouldNotContain("Missing connection string");
            exitCode.ShouldBe(0, output);
            File.Exists(report).ShouldBeTrue(output);
        }
        finally
        {
            File.Delete(report);
        }
    }

    [Fact]
    public async Task Resources_setup_creates_a_fresh_database_as_a_production_deployment_runs_it()
    {
        // Production order (docs/operations.md): the schema owner runs `resources setup` on an empty database, with no
        // host creating schemas. Marten registers the shard in the pool registry while listing its resources, before any
        // setup runs, so the registry's tables have to come into being in that same command.
        var database = await OwnDatabases.CreateAsync("eventhealth_resources_setup", fresh: true);
        var api = ApiProcess.Directory;

        var (exitCode, output) = await RunAsync("dotnet", [Path.Combine(api, "EventHealth.Api.dll"), "resources", "setup"], api, database, stopWhen: null,
            environment: new Dictionary<string, string?>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Staging",
                ["Database__CreateSchemaOnStartup"] = "false",
                ["Auth__SigningKey"] = "command-line-test-signing-key-not-a-secret-0123456789",
            });

        exitCode.ShouldBe(0, output);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var assignments = new NpgsqlCommand("select count(*) from sharding.mt_tenant_assignments where database_id = 'shard01'", connection);
        ((long)(await assignments.ExecuteScalarAsync())!).ShouldBe(17, "16 buckets and the common tenant, all on the only shard");
        await using var events = new NpgsqlCommand("select count(*) from eventhealth.mt_events", connection);
        ((long)(await events.ExecuteScalarAsync())!).ShouldBe(0);
    }

    /// <summary>Runs a process to its end, or until <paramref name="stopWhen"/> sees a line (then stops it); answers its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, string directory, string database, Func<string, bool>? stopWhen,
        Dictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A deployment of its own, as every API process of the tests is. (ops/cli itself adds ops/run's shards when
        // EVENTHEALTH_SHARDS is set, so Configure removes it too.)
        ApiProcess.Configure(start, database);
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(object sender, DataReceivedEventArgs line)
        {
            if (line.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line.Data);
            }

            if (stopWhen?.Invoke(line.Data) == true)
            {
                seen.TrySetResult();
            }
        }

        process.OutputDataReceived += Read;
        process.ErrorDataReceived += Read;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await Task.WhenAny(process.WaitForExitAsync(timeout.Token), seen.Task);
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(CancellationToken.None);
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
