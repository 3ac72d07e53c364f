using EventHealth.Email;
using EventHealth.Faults;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace EventHealth.IntegrationTests.Email;

/// <summary>
/// The mailer against a misbehaving SMTP server (the fault suite's): a delivery is reported before QUIT and never
/// turned into a failure by a slow QUIT; a server slow to accept is waited for; a server dying after the data is a
/// failure to retry, with the body-started hook already run.
/// </summary>
public sealed class SmtpTimeoutTests
{
    [Fact]
    public async Task A_slow_answer_to_the_data_is_waited_for_and_a_slow_QUIT_neither_delays_the_record_nor_fails_the_send()
    {
        await using var server = new FakeSmtp(FreePort()) { Fault = SmtpFault.Slow };
        server.Start();
        var mailer = Mailer(server.Port, quitTimeout: TimeSpan.FromSeconds(1));
        var message = Message();
        var accepted = 0;
        var started = DateTime.UtcNow;

        await mailer.SendAsync(message, CancellationToken.None, accepted: () =>
        {
            Interlocked.Increment(ref accepted);
            return Task.CompletedTask;
        });

        accepted.ShouldBe(1);
        server.Delivered[message.MessageId!].ShouldBe(1);
        (DateTime.UtcNow - started).ShouldBeLessThan(TimeSpan.FromSeconds(20), "QUIT (answered after 20 s) is not waited for");
    }

    [Fact]
    public async Task A_server_dying_after_the_data_fails_the_attempt_and_the_retry_delivers_once()
    {
        await using var server = new FakeSmtp(FreePort()) { Fault = SmtpFault.CrashAfterData };
        server.Start();
        var mailer = Mailer(server.Port, quitTimeout: TimeSpan.FromSeconds(1));
        var message = Message();
        var bodyStarted = 0;
        var accepted = 0;
        Task Accepted()
        {
            Interlocked.Increment(ref accepted);
            return Task.CompletedTask;
        }

        await Should.ThrowAsync<Exception>(() => mailer.SendAsync(message, CancellationToken.None, () => bodyStarted++, Accepted));
        bodyStarted.ShouldBe(1);
        accepted.ShouldBe(0);
        server.Delivered.ShouldBeEmpty();

        await mailer.SendAsync(message, CancellationToken.None, () => bodyStarted++, Accepted);
        accepted.ShouldBe(1);
        server.Delivered[message.MessageId!].ShouldBe(1);
    }

    private static SmtpMailer Mailer(int port, TimeSpan quitTimeout) =>
        new(Options.Create(new SmtpSettings { Host = "127.0.0.1", Port = port, QuitTimeout = quitTimeout }), Microsoft.Extensions.Logging.Abstractions.NullLogger<SmtpMailer>.Instance);

    private static MimeMessage Message()
    {
        var message = new MimeMessage { MessageId = $"test.{Guid.NewGuid():N}@eventhealth.local", Subject = "test", Body = new TextPart("plain") { Text = "hello" } };
        message.To.Add(MailboxAddress.Parse("someone@example.org"));
        return message;
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
