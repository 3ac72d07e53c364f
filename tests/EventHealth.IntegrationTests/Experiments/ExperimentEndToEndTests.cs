using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using EventHealth.Access;
using EventHealth.IntegrationTests.Infrastructure;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;

namespace EventHealth.IntegrationTests.Experiments;

/// <summary>
/// An N-of-1 experiment through HTTP as the app runs it: planned, followed over 4 pairs of 7 days (entries written on
/// past days, the host's clock moved back so the whole experiment lies in the past), concluded, explained, mentioned in
/// the digest while it runs, and exported as FHIR that Firely validates.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ExperimentEndToEndTests(AppFixture app)
{
    private static readonly DateTimeOffset Planned = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-80).AddHours(9);
    private static readonly JsonSerializerOptions Strict = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Strict);

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, JsonNode? body = null, string? token = null)
    {
        var (status, json, _) = await app.Host.SendRawAsync(method, url, body?.ToJsonString(), token is null ? [] : [("Authorization", $"Bearer {token}")]);
        return (status, json);
    }

    [Fact]
    public async System.Threading.Tasks.Task Plan_follow_conclude_explain_digest_and_export()
    {
        var patientId = Guid.NewGuid();
        var email = $"experiment-{patientId:N}@example.org";
        var experimentId = Guid.NewGuid();
        var plan = new JsonObject
        {
            ["experimentId"] = experimentId.ToString(), ["intervention"] = "magnesium-supplement", ["dose"] = "300 mg",
            ["periodDays"] = 7, ["pairs"] = 4, ["washoutDays"] = 1,
        };
        var experimentUrl = $"/api/patients/{patientId}/experiments/{experimentId}";
        JsonElement schedule;

        using (app.Clock.Set(Planned))
        {
            (await SendAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).With("email", email).With("alertEmails", true).Without("clinicianEmail")))
                .Status.ShouldBe(HttpStatusCode.Created);

            // Planned: the seed and all 56 days are fixed now; a repeat answers the first answer, other content under the id 409.
            var (status, planAnswer) = await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", plan);
            status.ShouldBe(HttpStatusCode.Created);
            var start = DateOnly.FromDateTime(Planned.UtcDateTime).AddDays(1);
            planAnswer.GetProperty("startDate").GetString().ShouldBe(Day(start));
            planAnswer.GetProperty("lastDay").GetString().ShouldBe(Day(start.AddDays(55)));
            var (again, repeated) = await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", plan);
            again.ShouldBe(HttpStatusCode.OK);
            repeated.GetRawText().ShouldBe(planAnswer.GetRawText());
            (await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", plan.DeepClone().AsObject().With("pairs", 5))).Status.ShouldBe(HttpStatusCode.Conflict);

            var (_, view) = await SendAsync(HttpMethod.Get, experimentUrl);
            view.GetProperty("status").GetString().ShouldBe("planned");
            schedule = view.GetProperty("schedule").Clone();
            schedule.GetArrayLength().ShouldBe(56);
            view.GetProperty("seed").GetInt32().ShouldBeGreaterThanOrEqualTo(0);

            // Day 10: running. The app is told today's arm and the next switch; the digest says the same.
            app.Clock.MoveTo(Planned.AddDays(10));
            var today = start.AddDays(9);
            var todayPlanned = schedule.EnumerateArray().Single(d => d.GetProperty("date").GetString() == Day(today));
            var (_, running) = await SendAsync(HttpMethod.Get, experimentUrl);
            running.GetProperty("status").GetString().ShouldBe("running");
            var now = running.GetProperty("today");
            now.GetProperty("arm").GetString().ShouldBe(todayPlanned.GetProperty("arm").GetString());
            now.GetProperty("period").GetInt32().ShouldBe(2);
            now.GetProperty("dayOfPeriod").GetInt32().ShouldBe(3);
            var nextSwitch = now.GetProperty("nextSwitch").GetString()!;
            (await SendAsync(HttpMethod.Post, $"{experimentUrl}/conclusion")).Status.ShouldBe(HttpStatusCode.Conflict);

            await app.Host.Scenario(s =>
            {
                s.Post.Url("/api/admin/digest/run");
                s.StatusCodeShouldBeOk();
            });
            var digest = (await app.Inbox.WaitForAsync(e => e.To.Any(t => t.Address == email), TimeSpan.FromSeconds(20))).ShouldHaveSingleItem();
            digest.Text!.ShouldContain("- Your magnesium supplement experiment is running: today is ");
            digest.Text!.ShouldContain($"period 2 of 8; next switch on {nextSwitch}");

            // After the last day: every day of the plan written on past days. A days: magnesium and 1 episode, except one
            // A day of pair 1 where magnesium was forgotten (4 episodes); B days: 3 episodes.
            app.Clock.MoveTo(Planned.AddDays(59));
            var entries = new JsonArray();
            var forgotten = schedule.EnumerateArray().First(d => d.GetProperty("arm").GetString() == "a" && d.GetProperty("dayOfPeriod").GetInt32() == 4);
            foreach (var day in schedule.EnumerateArray())
            {
                var date = DateOnly.ParseExact(day.GetProperty("date").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                var noon = new DateTimeOffset(date.ToDateTime(new TimeOnly(12, 0)), TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris").GetUtcOffset(date.ToDateTime(new TimeOnly(12, 0))));
                var isA = day.GetProperty("arm").GetString() == "a";
                var isForgotten = day.GetProperty("date").GetString() == forgotten.GetProperty("date").GetString();
                for (var i = 0; i < (isForgotten ? 4 : isA ? 1 : 3); i++)
                {
                    entries.Add(Records.Episode(occurredAt: noon.AddMinutes(i)).Typed("episode"));
                }

                if (isA && !isForgotten)
                {
                    entries.Add(Records.Intervention().With("occurredAt", noon.AddHours(8).ToString("O")).Typed("intervention"));
                }
            }

            (await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch", new JsonObject { ["entries"] = entries })).Status.ShouldBe(HttpStatusCode.OK);
        }

        // Concluded: pairs of period means (A 1, B 3) except pair 1, whose A period has one 4-episode day among its six analysed days.
        var (concludedStatus, conclusion) = await SendAsync(HttpMethod.Post, $"{experimentUrl}/conclusion");
        concludedStatus.ShouldBe(HttpStatusCode.Created);
        var analysis = conclusion.GetProperty("analysis");
        analysis.GetProperty("methodVersion").GetInt32().ShouldBe(1);
        var asPlanned = analysis.GetProperty("asPlanned");
        asPlanned.GetProperty("pairs").GetInt32().ShouldBe(4);
        asPlanned.GetProperty("pValue").GetDouble().ShouldBe(0.125);
        asPlanned.GetProperty("smallestPossiblePValue").GetDouble().ShouldBe(0.125);
        asPlanned.GetProperty("pairDifferences").EnumerateArray().Select(d => d.GetDouble()).ShouldBe([1.5, 2, 2, 2]);
        asPlanned.GetProperty("effect").GetDouble().ShouldBe(1.875);
        analysis.GetProperty("adheredOnly").GetProperty("effect").GetDouble().ShouldBe(2);
        analysis.GetProperty("periods").EnumerateArray().ShouldAllBe(p => p.GetProperty("daysAnalysed").GetInt32() == 6);
        analysis.GetProperty("verdict").GetString().ShouldBe(
            "fewer twitches on magnesium supplement periods: 1.1 vs 3.0 a day; consistent with chance (p = 0.125); "
            + "with 4 pairs no result can reach 0.05 (the smallest possible p is 0.125), so this design cannot show a difference; "
            + "the schedule was followed on 55 of 56 days; on followed days only: 1.0 vs 3.0 a day over 4 pairs (p = 0.125)");
        var (repeatStatus, repeat) = await SendAsync(HttpMethod.Post, $"{experimentUrl}/conclusion");
        repeatStatus.ShouldBe(HttpStatusCode.OK);
        repeat.GetRawText().ShouldBe(conclusion.GetRawText());

        // Explained: the days and entries behind each figure; reproduces byte for byte, also after a later retraction.
        var oneEpisode = (await SendAsync(HttpMethod.Get, $"{experimentUrl}/analysis")).Body.GetProperty("days").EnumerateArray()
            .First(d => d.GetProperty("status").GetString() == "analysed").GetProperty("outcomeEntries")[0].GetString();
        (await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/{oneEpisode}/retraction", new JsonObject { ["reason"] = "double entry" }))
            .Status.ShouldBe(HttpStatusCode.Created);
        var (explainStatus, explanation) = await SendAsync(HttpMethod.Get, $"{experimentUrl}/analysis");
        explainStatus.ShouldBe(HttpStatusCode.OK);
        explanation.GetProperty("reproduces").GetBoolean().ShouldBeTrue();
        explanation.GetProperty("replayed").ValueKind.ShouldBe(JsonValueKind.Null);
        explanation.GetProperty("recorded").GetRawText().ShouldBe(analysis.GetRawText());
        var days = explanation.GetProperty("days").EnumerateArray().ToList();
        days.Count.ShouldBe(56);
        days.Count(d => d.GetProperty("status").GetString() == "washout").ShouldBe(8);
        days.Count(d => !d.GetProperty("adhered").GetBoolean()).ShouldBe(1);
        var explained = explanation.GetProperty("entries").EnumerateArray().ToList();
        explained.Count.ShouldBe(entries(days));
        explained.Single(e => e.GetProperty("entryId").GetString() == oneEpisode).GetProperty("retractedSince").GetBoolean().ShouldBeTrue();

        // A clinician with read consent sees experiments and analyses, and may not plan or stop.
        (await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/consents", new JsonObject { ["clinicianId"] = "dr-n-of-1", ["scope"] = "read" })).Status.ShouldBe(HttpStatusCode.Created);
        var clinician = TestTokens.For(Roles.Clinician, "dr-n-of-1");
        var (listStatus, list) = await SendAsync(HttpMethod.Get, $"/api/patients/{patientId}/experiments", token: clinician);
        listStatus.ShouldBe(HttpStatusCode.OK);
        list.GetProperty("experiments").EnumerateArray().ShouldHaveSingleItem().GetProperty("status").GetString().ShouldBe("concluded");
        (await SendAsync(HttpMethod.Get, $"{experimentUrl}/analysis", token: clinician)).Status.ShouldBe(HttpStatusCode.OK);
        (await SendAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", plan, clinician)).Status.ShouldBe(HttpStatusCode.Forbidden);

        // FHIR: one Observation of the effect, validated by Firely, its references resolving inside the Bundle.
        using var client = app.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Patient(patientId));
        var json = await client.GetStringAsync(new Uri($"/api/patients/{patientId}/fhir", UriKind.Relative));
        var bundle = JsonSerializer.Deserialize<Bundle>(json, Strict).ShouldNotBeNull();
        bundle.Validate(NarrativeValidationKind.FhirXhtml, null).ShouldBeEmpty();
        var effect = bundle.Entry.Select(e => e.Resource).OfType<Observation>().Single(o => o.Identifier.Any(i => i.Value == experimentId.ToString()));
        effect.Validate(NarrativeValidationKind.FhirXhtml, null).ShouldBeEmpty();
        effect.Code.Coding.ShouldHaveSingleItem().Code.ShouldBe("n-of-1-effect");
        effect.Value.ShouldBeOfType<Quantity>().Value.ShouldBe(1.875m);
        effect.Component.Single(c => c.Code.Coding[0].Code == "p-value").Value.ShouldBeOfType<Quantity>().Value.ShouldBe(0.125m);
        effect.Component.Single(c => c.Code.Coding[0].Code == "effect-95-interval").Value.ShouldBeOfType<Hl7.Fhir.Model.Range>();
        effect.Note.ShouldHaveSingleItem().Text.ShouldStartWith("fewer twitches on magnesium supplement periods");
        var fullUrls = bundle.Entry.Select(e => e.FullUrl).ToHashSet();
        effect.Focus.Count.ShouldBe(27);
        effect.Focus.Concat(effect.DerivedFrom).ShouldAllBe(r => fullUrls.Contains(r.Reference));
        bundle.Entry.Where(e => effect.Focus.Any(f => f.Reference == e.FullUrl)).ShouldAllBe(e => e.Resource is MedicationStatement);
    }

    private static int entries(List<JsonElement> days) =>
        days.SelectMany(d => d.GetProperty("outcomeEntries").EnumerateArray().Concat(d.GetProperty("interventionEntries").EnumerateArray())).Count();

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
