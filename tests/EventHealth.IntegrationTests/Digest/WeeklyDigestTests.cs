using System.Buffers.Binary;
using System.Net;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Digest;
using EventHealth.IntegrationTests.Infrastructure;
using Wolverine;
using Wolverine.Tracking;

namespace EventHealth.IntegrationTests.Digest;

[Collection(ApiCollection.Name)]
public sealed class WeeklyDigestTests(AppFixture app)
{
    [Fact]
    public async Task The_digest_arrives_with_the_weeks_figures_and_an_embedded_chart()
    {
        var patientId = Guid.NewGuid();
        var email = $"digest-{patientId:N}@example.org";
        var enrollment = Records.Enrollment(patientId).With("email", email).With("timeZone", "UTC").With("alertEmails", true).Without("clinicianEmail");
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", enrollment.ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        // This week (the 7 days ending yesterday): two episodes on days 1, 3 and 5 ago, intensities 4 and 6 (mean 5.0).
        // The week before: one episode 9 days ago, intensity 2.
        var today = DateTimeOffset.UtcNow.Date;
        var entries = new JsonArray();
        foreach (var daysAgo in new[] { 1, 3, 5 })
        {
            var noon = new DateTimeOffset(today.AddDays(-daysAgo).AddHours(12), TimeSpan.Zero);
            entries.Add(Records.Episode(intensity: 4, occurredAt: noon).Typed("episode"));
            entries.Add(Records.Episode(intensity: 6, occurredAt: noon.AddMinutes(5)).Typed("episode"));
        }

        entries.Add(Records.Episode(intensity: 2, occurredAt: new DateTimeOffset(today.AddDays(-9).AddHours(12), TimeSpan.Zero)).Typed("episode"));
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", new JsonObject { ["entries"] = entries }.ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.OK);
        await app.WaitForProjectionsAsync();

        await app.Host.Scenario(s =>
        {
            s.Post.Url("/api/admin/digest/run");
            s.StatusCodeShouldBeOk();
        });

        var digest = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldHaveSingleItem();
        digest.Subject.ShouldBe("Your EventHealth week");
        var text = digest.Text!;
        var html = digest.Html!;
        // The record began 9 days ago: only 2 days of the week before were observed, and the digest says so.
        text.ShouldContain("- Twitch episodes: 6 (week before: 1 in the 2 days since the first entry)");
        text.ShouldContain("- Mean intensity: 5.0 (week before: 2.0)");
        text.ShouldContain("- No open alerts.");
        html.ShouldContain("src=\"cid:");

        var chart = digest.Attachments.ShouldNotBeNull().ShouldHaveSingleItem();
        chart.ContentType.ShouldBe("image/png");
        html.ShouldContain($"cid:{chart.ContentId}");
        var png = await app.Inbox.AttachmentAsync(digest, chart);
        png[..8].ShouldBe(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)).ShouldBe(EventHealth.Digest.DailyEpisodesChart.Width);

        // A second run in the same week sends nothing new: its message for this record is handled, and no email left.
        var secondRun = await app.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(60)).ExecuteAndWaitAsync((IMessageContext _) =>
            app.Host.Scenario(s =>
            {
                s.Post.Url("/api/admin/digest/run");
                s.StatusCodeShouldBeOk();
            }));
        secondRun.MessageSucceeded.MessagesOf<SendWeeklyDigest>().ShouldContain(m => m.PatientId == patientId);
        (await app.Inbox.AllAsync()).Count(e => e.To.Any(t => t.Address == email)).ShouldBe(1);
    }
}
