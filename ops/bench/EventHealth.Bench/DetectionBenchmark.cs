// Detection benchmark: boots the real host (in memory) against the database named by ConnectionStrings__EventHealth,
// seeds N patients, then times the detection run: a full sweep (every record due), a run after 1% changed, and a
// run with nothing due. Prints one line per figure. Run it through ops/bench/detection.
using System.Diagnostics;
using System.Globalization;
using EventHealth.Detection;
using EventHealth.Recording;
using JasperFx.CommandLine;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

internal static class DetectionBenchmark
{
    public static async Task Main(string[] args)
    {
        var patients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var changedShare = 0.01;
        var now = DateTimeOffset.UtcNow;

        JasperFxEnvironment.AutoStartHost = true;
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.ConfigureServices(services => services.RunWolverineInSoloMode());
        });
        try
        {
            await RunAsync(factory, patients, changedShare, now);
        }
        finally
        {
            await ShutDownAsync(factory);
        }
    }

    /// <summary>
    /// Disposing the factory stops the host once more after the program's own run has stopped and disposed it, and
    /// Hangfire's hosted server then throws ObjectDisposedException from its second StopAsync (HangfireIO/Hangfire#2488).
    /// The host is down by then and the figures are printed: that exception alone is not a failure of the benchmark.
    /// </summary>
    private static async Task ShutDownAsync(WebApplicationFactory<Program> factory)
    {
        try
        {
            await factory.DisposeAsync();
        }
        catch (Exception shutdown) when (OnlyDisposedObjects(shutdown))
        {
            Console.WriteLine($"shutdown: ignored a second stop of an already disposed service ({shutdown.GetType().Name})");
        }
    }

    private static bool OnlyDisposedObjects(Exception exception) => exception switch
    {
        ObjectDisposedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(OnlyDisposedObjects),
        _ => false,
    };

    private static async Task RunAsync(WebApplicationFactory<Program> factory, int patients, double changedShare, DateTimeOffset now)
    {
        _ = factory.Server; // boots the host
        var services = factory.Services;
        var store = services.GetRequiredService<IDocumentStore>();
        var sessions = services.GetRequiredService<EventHealth.Sharding.TenantSessions>();

        var ids = Enumerable.Range(0, patients).Select(_ => Guid.CreateVersion7()).ToArray();
        var seed = Stopwatch.StartNew();
        foreach (var chunk in ids.GroupBy(sessions.Buckets.TenantOf).SelectMany(bucket => bucket.Chunk(1000)))
        {
            await using var session = sessions.WriteFor(chunk[0]);
            foreach (var id in chunk)
            {
                var n = BitConverter.ToUInt16(id.ToByteArray(), 10);
                var start = now.AddDays(-(n % 60) - 1);
                var events = new List<object>
                {
                    new PatientEnrolled(id, "Bench", "bench@example.org", n % 3 == 0 ? "Europe/Paris" : "America/New_York", null, false),
                    new TwitchEpisodeRecorded(Guid.NewGuid(), start, [BodyRegion.Calf], Side.Left, n % 8, 20, false, false),
                    new TriggerReported(Guid.NewGuid(), start.AddHours(2), TriggerKind.Stress, 5, null),
                    new TwitchEpisodeRecorded(Guid.NewGuid(), start.AddDays(1), [BodyRegion.Eyelid], Side.Right, (n + 3) % 8, 40, false, false),
                };
                if (n % 200 == 0)
                {
                    events.Add(new NeurologicalSymptomReported(Guid.NewGuid(), now.AddDays(-1), SymptomKind.BalanceProblem, null, 6)); // 0.5% red flags
                }

                session.Events.StartStream<PatientRecord>(id, events.ToArray());
            }

            await session.SaveChangesAsync();
        }

        Console.WriteLine($"seeded {patients} patients in {seed.Elapsed.TotalSeconds:0.0} s");
        await store.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(30));
        Console.WriteLine($"async projections caught up after {seed.Elapsed.TotalSeconds:0.0} s");

        async Task<DetectionRunReport> Run(string label)
        {
            await using var scope = services.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<DetectionJob>().RunAsync(CancellationToken.None);
            Console.WriteLine($"{label}: {report.Evaluated} evaluated, {report.AlertsRaised} alerts, {report.Skipped} skipped in {report.Seconds:0.000} s");
            return report;
        }

        await Run("full sweep");

        var changed = ids.Where((_, i) => i % (int)(1 / changedShare) == 0).ToArray();
        foreach (var bucket in changed.GroupBy(sessions.Buckets.TenantOf))
        {
            await using var session = sessions.WriteForTenant(bucket.Key);
            foreach (var id in bucket)
            {
                session.Events.Append(id, new TriggerReported(Guid.NewGuid(), now.AddHours(-1), TriggerKind.Caffeine, 4, null));
            }

            await session.SaveChangesAsync();
        }

        await Run($"{changed.Length} changed (1%)");
        await Run("nothing changed");
    }
}
