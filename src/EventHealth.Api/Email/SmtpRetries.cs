using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using Wolverine;
using Wolverine.ErrorHandling;

namespace EventHealth.Email;

/// <summary>
/// How email handlers ride out an SMTP outage: transient failures (server down, connection dropped, 4xx answers)
/// are retried with the configured growing waits, scheduled so the worker is free meanwhile, then dead-lettered.
/// Permanent refusals (5xx) are not retried; the handlers record them.
/// </summary>
public static class SmtpRetries
{
    public static void Apply(WolverineOptions options, IReadOnlyList<TimeSpan> delays) =>
        options.Policies.OnException<SocketException>().Or<IOException>().Or<ServiceNotConnectedException>().Or<SmtpProtocolException>()
            .Or<TimeoutException>().Or<SmtpCommandException>(e => (int)e.StatusCode < 500)
            // The database restarting mid-send (the delivery marker, the record of the send) is as passing as SMTP trouble.
            .Or<Npgsql.NpgsqlException>(Hosting.DatabaseUnavailable.Is)
            .ScheduleRetry(delays.ToArray())
            .Then.MoveToErrorQueue();
}
