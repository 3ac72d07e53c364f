using System.Collections.Concurrent;
using EventHealth.Email;
using EventHealth.Hosting;
using EventHealth.IntegrationTests.Infrastructure;
using Hangfire;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Npgsql;

namespace EventHealth.IntegrationTests.Hosting;

[Collection(ApiCollection.Name)]
public sealed class InfrastructureTests(AppFixture app)
{
    [Fact]
    public async Task Marten_appends_an_event_with_metadata_and_reads_it_back()
    {
        var store = app.Host.Services.GetRequiredService<IDocumentStore>();
        var streamId = Guid.NewGuid();

        await using (var session = app.Host.WriteFor(streamId))
        {
            session.CorrelationId = "corr-foundation";
            session.LastModifiedBy = "foundation-test";
            session.SetHeader("client", "tests");
            session.Events.StartStream(streamId, new FoundationProbeRecorded("hello"));
            await session.SaveChangesAsync();
        }

        await using var query = app.Host.QueryFor(streamId);
        var events = await query.Events.FetchStreamAsync(streamId);
        var only = events.ShouldHaveSingleItem();
        only.Data.ShouldBe(new FoundationProbeRecorded("hello"));
        only.Version.ShouldBe(1);
        only.CorrelationId.ShouldBe("corr-foundation");
        only.UserName.ShouldBe("foundation-test");
        only.GetHeader("client")?.ToString().ShouldBe("tests");
    }

    [Fact]
    public async Task Hangfire_storage_is_installed_in_its_own_schema_and_a_background_job_runs()
    {
        var dataSource = app.Host.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var command = dataSource.CreateCommand(
            "select count(*) from information_schema.tables where table_schema = $1 and table_name in ('job', 'server', 'state')"))
        {
            command.Parameters.AddWithValue(Database.SchedulingSchema);
            (await command.ExecuteScalarAsync()).ShouldBe(3L);
        }

        var marker = Guid.NewGuid();
        var jobs = app.Host.Services.GetRequiredService<IBackgroundJobClient>();
        var jobId = jobs.Enqueue(() => ProbeJob.Run(marker));

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ProbeJob.Ran.ContainsKey(marker) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        // On failure, say where the job got to (its states, the server that took it).
        var details = app.Host.Services.GetRequiredService<JobStorage>().GetMonitoringApi().JobDetails(jobId);
        ProbeJob.Ran.ShouldContainKey(marker, string.Join("; ", details?.History.Select(h => $"{h.StateName} {h.Reason} {string.Join(",", h.Data.Select(d => $"{d.Key}={d.Value}"))}") ?? ["job not found"]));
    }

    [Fact]
    public async Task An_email_sent_through_the_configured_smtp_server_arrives_in_maildev()
    {
        var mailer = app.Host.Services.GetRequiredService<SmtpMailer>();
        var subject = $"Foundation check {Guid.NewGuid():N}";
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "It arrived." } };
        message.To.Add(MailboxAddress.Parse("patient@example.test"));

        await mailer.SendAsync(message, CancellationToken.None);

        var received = await app.Inbox.WaitForAsync(email => email.Subject == subject, TimeSpan.FromSeconds(15));
        var email = received.ShouldHaveSingleItem();
        email.To.ShouldHaveSingleItem().Address.ShouldBe("patient@example.test");
        email.From.ShouldHaveSingleItem().Address.ShouldBe("alerts@eventhealth.local");
        email.Text!.Trim().ShouldBe("It arrived.");
    }
}

public sealed record FoundationProbeRecorded(string Note);

public static class ProbeJob
{
    public static readonly ConcurrentDictionary<Guid, bool> Ran = new();

    public static void Run(Guid marker) => Ran[marker] = true;
}
