using System.Net.Sockets;
using EventHealth.Alerts;
using MailKit;
using MailKit.Net.Smtp;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace EventHealth.Email;

/// <summary>
/// How email handlers ride out an SMTP outage: transient failures (server down, connection dropped, 4xx answers)
/// are retried with the configured growing waits, scheduled so the worker is free meanwhile, then dead-lettered.
/// Permanent refusals (5xx) are not retried; the handlers record them.
/// </summary>
public static class SmtpRetries
{
    public static void Apply(HandlerChain chain) =>
        chain.OnException<SocketException>().Or<IOException>().Or<ServiceNotConnectedException>().Or<SmtpProtocolException>()
            .Or<TimeoutException>().Or<SmtpCommandException>(e => (int)e.StatusCode < 500)
            .ScheduleRetry(AlertEmailDelays.Current.ToArray())
            .Then.MoveToErrorQueue();
}
