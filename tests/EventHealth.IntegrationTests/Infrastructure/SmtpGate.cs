using System.Net;
using System.Net.Sockets;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP relay between the host and MailDev's SMTP port that a test can close (connections are then refused, as
/// when the mail server is down) and open again on the same port. The host is configured to send through it. The fault
/// suite (ops/fault-suite) compiles this same file.
/// </summary>
public sealed class SmtpGate(int targetPort) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private TcpListener? listener;
    private CancellationTokenSource stop = new();

    /// <summary>The port the gate listens on: chosen when it first opens, kept when it opens again.</summary>
    public int Port { get; private set; }

    public void Open()
    {
        lock (gate)
        {
            if (listener is not null)
            {
                return;
            }

            stop = new CancellationTokenSource();
            listener = new TcpListener(IPAddress.Loopback, Port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = AcceptAsync(listener, stop.Token);
        }
    }

    public void Close()
    {
        lock (gate)
        {
            stop.Cancel();
            listener?.Stop();
            listener = null;
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellation);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(client, cancellation);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellation)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, targetPort, cancellation);
                var down = client.GetStream();
                var up = upstream.GetStream();
                await Task.WhenAny(down.CopyToAsync(up, cancellation), up.CopyToAsync(down, cancellation));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A relay ends when either side hangs up or the gate closes.
            }
        }
    }

    /// <summary>A gate to <paramref name="targetPort"/>, open.</summary>
    public static SmtpGate OpenTo(int targetPort)
    {
        var gate = new SmtpGate(targetPort);
        gate.Open();
        return gate;
    }

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
