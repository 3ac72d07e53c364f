using System.Net;
using System.Net.Sockets;

namespace EventHealth.Faults;

/// <summary>
/// A TCP relay to MailDev's SMTP port that the suite closes (connections refused, as when the mail server is down) and
/// opens again on the same port, so that alert e-mails can be made to wait in their shard's outbox.
/// </summary>
public sealed class SmtpGate(int port, int targetPort) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private TcpListener? listener;
    private CancellationTokenSource stop = new();

    public int Port => port;

    public void Open()
    {
        lock (gate)
        {
            if (listener is not null)
            {
                return;
            }

            stop = new CancellationTokenSource();
            listener = new TcpListener(IPAddress.Loopback, port);
            listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Start();
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

    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener accepting, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await accepting.AcceptTcpClientAsync(cancellation);
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
}
