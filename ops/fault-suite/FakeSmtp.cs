using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace EventHealth.Faults;

public enum SmtpFault
{
    /// <summary>Answers at once and keeps every message.</summary>
    None,

    /// <summary>Answers the final "." after 12 s (a client that gives up at 10 s sends again) and QUIT after 20 s.</summary>
    Slow,

    /// <summary>The first time a message arrives, the server dies after reading it, before answering: not delivered.</summary>
    CrashAfterData,
}

/// <summary>
/// A small SMTP server (RFC 5321 subset: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on loopback that keeps what it
/// accepted, counted by Message-ID, and misbehaves on request. Stop/Start takes it down and up (connections refused).
/// </summary>
public sealed partial class FakeSmtp : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> delivered = new();
    private readonly ConcurrentDictionary<string, bool> crashedOnce = new();
    private TcpListener? listener;
    private CancellationTokenSource stop = new();

    public FakeSmtp(int port) => Port = port;

    public int Port { get; }
    public SmtpFault Fault { get; set; }

    /// <summary>Raised when a message was accepted (after the 250 was written).</summary>
    public event Action<string>? Accepted;

    public IReadOnlyDictionary<string, int> Delivered => delivered;

    private int sessions;

    public int Sessions => sessions;

    public void Start()
    {
        stop = new CancellationTokenSource();
        listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _ = AcceptAsync(listener, stop.Token);
    }

    public void Stop()
    {
        stop.Cancel();
        listener?.Stop();
        listener = null;
    }

    public void Clear()
    {
        delivered.Clear();
        crashedOnce.Clear();
    }

    private async Task AcceptAsync(TcpListener server, CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            try
            {
                var client = await server.AcceptTcpClientAsync(cancellation);
                _ = ServeAsync(client, cancellation);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken cancellation)
    {
        Interlocked.Increment(ref sessions);
        using var _ = client;
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
        try
        {
            await writer.WriteLineAsync("220 fake-smtp ready");
            while (await reader.ReadLineAsync(cancellation) is { } line)
            {
                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-fake-smtp");
                        await writer.WriteLineAsync("250 8BITMIME");
                        break;
                    case "HELO" or "MAIL" or "RCPT" or "RSET" or "NOOP":
                        await writer.WriteLineAsync("250 OK");
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("354 go ahead");
                        var message = new StringBuilder();
                        while (await reader.ReadLineAsync(cancellation) is { } data && data != ".")
                        {
                            message.AppendLine(data.StartsWith("..", StringComparison.Ordinal) ? data[1..] : data);
                        }

                        var id = MessageId().Match(message.ToString()) is { Success: true } m ? m.Groups[1].Value : $"no-id-{Guid.NewGuid()}";
                        if (Fault == SmtpFault.CrashAfterData && crashedOnce.TryAdd(id, true))
                        {
                            client.Client.Close(0);
                            return;
                        }

                        if (Fault == SmtpFault.Slow)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(12), cancellation);
                        }

                        delivered.AddOrUpdate(id, 1, (_, n) => n + 1);
                        await writer.WriteLineAsync("250 queued");
                        Accepted?.Invoke(id);
                        break;
                    case "QUIT":
                        if (Fault == SmtpFault.Slow)
                        {
                            await Task.Delay(TimeSpan.FromSeconds(20), cancellation);
                        }

                        await writer.WriteLineAsync("221 bye");
                        return;
                    default:
                        await writer.WriteLineAsync("502 not implemented");
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away, or the server was stopped.
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"^Message-I[Dd]:\s*<?([^>\r\n]+)>?", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex MessageId();
}
