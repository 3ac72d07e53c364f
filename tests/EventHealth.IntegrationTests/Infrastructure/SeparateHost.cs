using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using JasperFx.CommandLine;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// The real API host, configured apart from the shared <see cref="AppFixture"/> (another environment, lowered limits),
/// listening on a real loopback port. No test hooks: no rightful-caller tokens, no test clock. It keeps its data in a
/// database of its own on the same PostgreSQL, because its Hangfire server and Wolverine node would otherwise take
/// jobs and agents of the shared host.
/// </summary>
public sealed class SeparateHost : WebApplicationFactory<Program>
{
    private const string DatabaseName = "eventhealth_separate_hosts";

    private readonly string environment;
    private readonly IReadOnlyList<(string Key, string Value)> settings;

    private SeparateHost(string environment, IReadOnlyList<(string Key, string Value)> settings)
    {
        this.environment = environment;
        this.settings = settings;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
    }

    /// <summary>A host not yet started: <see cref="WebApplicationFactory{TEntryPoint}.StartServer"/> or <see cref="Address"/> starts it.</summary>
    public static async Task<SeparateHost> CreateAsync(string environment, params (string Key, string Value)[] settings)
    {
        var connectionString = await OwnDatabases.CreateAsync(DatabaseName);
        return new SeparateHost(environment,
        [
            ("ConnectionStrings:EventHealth", connectionString),
            .. ShardedDeployment.WithoutInheritedShards(),
            // Quiet and idle: these hosts serve requests; nothing here waits for a scheduled job.
            ("Scheduling:QueuePollInterval", "00:00:15"),
            ("Logging:LogLevel:Default", "Warning"),
            .. settings,
        ]);
    }

    /// <summary>The address Kestrel listens on (starts the host if it is not running yet).</summary>
    public Uri Address => new(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());

    /// <summary>
    /// A client over real TCP, with a bearer token or none, connecting from <paramref name="from"/> (any 127.x.y.z
    /// address reaches the loopback listener on Linux), so that requests can come from different client addresses.
    /// </summary>
    public HttpClient Client(string? bearerToken = null, IPAddress? from = null)
    {
        var source = from ?? IPAddress.Loopback;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // As in AppFixture: the JasperFx command runner in Program starts the host instead of parsing the test's arguments.
        JasperFxEnvironment.AutoStartHost = true;
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}

/// <summary>
/// Tests that boot a <see cref="SeparateHost"/>: one at a time, as they share its database, and not while the shared
/// host runs tests. Hangfire keeps process-wide state (its current storage and its log provider, which a host points at
/// its own logger factory): a separate host starting or stopping beside the shared one left the shared host's
/// Hangfire client logging through a disposed logger factory.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SeparateHostsCollection
{
    public const string Name = "separate hosts";
}
