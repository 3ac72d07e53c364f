using System.Net;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Daily;

/// <summary>
/// A hand-built week: Paris across the end of summer time (Sunday 2026-10-25, 03:00 CEST → 02:00 CET), a move
/// to New York recorded on 2026-10-26 12:00Z, a backfilled entry and a retraction. Every timestamp is sent in UTC
/// so that only the server's zone rules can place entries on local days. Expected rows are worked out in the tests.
/// </summary>
internal sealed class DstAndMoveWeek(AppFixture app)
{
    public static readonly DateTimeOffset EnrolledAt = At("2026-10-22T08:00:00Z");
    public static readonly DateTimeOffset FirstBatchRecordedAt = At("2026-10-26T00:00:00Z");
    public static readonly DateTimeOffset MovedAt = At("2026-10-26T12:00:00Z");
    public static readonly DateTimeOffset SecondBatchRecordedAt = At("2026-10-28T00:00:00Z");
    public static readonly DateTimeOffset CorrectionsRecordedAt = At("2026-10-28T12:00:00Z");

    public Guid PatientId { get; } = Guid.NewGuid();
    public Guid E2 { get; } = Guid.NewGuid();

    /// <summary>Enrolls and records the Paris part (entries E1-E4, a trigger, a night's sleep, an intake).</summary>
    public async Task RecordParisDaysAsync()
    {
        app.Clock.MoveTo(EnrolledAt);
        (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(PatientId).ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);

        app.Clock.MoveTo(FirstBatchRecordedAt);
        await BatchAsync(
            Episode(Guid.NewGuid(), "2026-10-22T21:30:00Z", 4), // Paris 23:30 CEST → 22nd
            Episode(E2, "2026-10-22T22:30:00Z", 6),            // Paris 00:30 CEST → 23rd (later retracted)
            Episode(Guid.NewGuid(), "2026-10-24T23:30:00Z", 2), // Paris 01:30 CEST, before the switch → 25th
            Episode(Guid.NewGuid(), "2026-10-25T22:30:00Z", 8), // Paris 23:30 CET, after the switch → 25th (26th if DST were ignored)
            Records.Trigger().With("occurredAt", "2026-10-23T06:00:00Z").With("kind", "stress").With("level", 7).Typed("trigger"),
            Records.Sleep().With("occurredAt", "2026-10-23T05:00:00Z").With("night", "2026-10-22").With("hours", 5.5).Typed("sleep"),
            Records.Intake().With("occurredAt", "2026-10-23T10:00:00Z").With("waterMl", 1500).With("caffeineMg", 200).Typed("intake"));
    }

    /// <summary>The move to New York, two New York days, then a backfilled Paris entry and the retraction of E2.</summary>
    public async Task RecordMoveAndCorrectionsAsync()
    {
        app.Clock.MoveTo(MovedAt);
        (await app.Host.SendRawAsync(HttpMethod.Patch, $"/api/patients/{PatientId}", "{\"timeZone\":\"America/New_York\"}")).Status.ShouldBe(HttpStatusCode.OK);

        app.Clock.MoveTo(SecondBatchRecordedAt);
        await BatchAsync(
            Episode(Guid.NewGuid(), "2026-10-27T03:30:00Z", 3), // New York 23:30 EDT → 26th (27th in Paris)
            Episode(Guid.NewGuid(), "2026-10-27T12:00:00Z", 5), // New York 08:00 → 27th
            Records.Cramp().With("occurredAt", "2026-10-27T13:00:00Z").Typed("cramp"));

        app.Clock.MoveTo(CorrectionsRecordedAt);
        await BatchAsync(Episode(Guid.NewGuid(), "2026-10-22T10:00:00Z", 1)); // backfilled: Paris noon → 22nd
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{PatientId}/entries/{E2}/retraction", "{\"reason\":\"wrong day\"}"))
            .Status.ShouldBe(HttpStatusCode.Created);
    }

    private static JsonObject Episode(Guid entryId, string occurredAt, int intensity) =>
        Records.Episode(entryId, intensity).With("occurredAt", occurredAt).Typed("episode");

    private async Task BatchAsync(params JsonObject[] entries)
    {
        var body = new JsonObject { ["entries"] = new JsonArray(entries.Select(e => (JsonNode)e.DeepClone()).ToArray()) };
        var answer = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{PatientId}/entries/batch", body.ToJsonString());
        answer.Status.ShouldBe(HttpStatusCode.OK, answer.Body.ToString());
    }

    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
