// Compiled at test time together with the NSwag client generated from the served document (namespace Generated),
// not with the test project: it is what a .NET developer writes against the generated client, unedited.
#nullable enable
using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Generated;

public static class CSharpFlow
{
    /// <summary>Runs the whole flow; returns the steps done. Any surprise throws with the step's name.</summary>
    public static async Task<IReadOnlyList<string>> RunAsync(string baseUrl, HttpClient patientHttp, HttpClient clinicianHttp, HttpClient operatorHttp,
        Guid patientId, string clinicianId)
    {
        var steps = new List<string>();
        var patient = new EventHealthClient(patientHttp) { BaseUrl = baseUrl };
        var clinician = new EventHealthClient(clinicianHttp) { BaseUrl = baseUrl };
        var ops = new EventHealthClient(operatorHttp) { BaseUrl = baseUrl };
        var yesterday = DateTimeOffset.UtcNow.AddDays(-1);

        void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException("C# client flow: " + what);
            }
        }

        string Header(SwaggerResponse response, string name) =>
            response.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault() ?? "";

        async Task<ApiException> Refused(Func<Task> call)
        {
            try
            {
                await call();
            }
            catch (ApiException refused)
            {
                return refused;
            }

            throw new InvalidOperationException("C# client flow: a call that should be refused succeeded");
        }

        // Enroll.
        var enrolled = await patient.EnrollPatientAsync(new EnrollPatient
        {
            PatientId = patientId, DisplayName = "Generated Client", Email = "generated@example.org", TimeZone = "Europe/Paris",
            ClinicianEmail = "clinic@example.org", AlertEmails = false,
        });
        Check(enrolled.StatusCode == 201 && enrolled.Result.PatientId == patientId, "enroll answers 201 with the profile");
        Check(Header(enrolled, "Location").EndsWith($"/api/patients/{patientId}", StringComparison.Ordinal), "enroll answers a Location");
        Check(Header(enrolled, "ETag") == "\"1\"", "enroll answers ETag \"1\"");
        Check(Header(enrolled, "X-Correlation-ID").Length > 0, "every answer carries X-Correlation-ID");
        steps.Add("enroll");

        // Every entry type on its own route.
        var episode = await patient.RecordEpisodeAsync(patientId, null, new RecordEpisode
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, BodyRegions = [BodyRegion.Calf, BodyRegion.UpperArm], Side = Side.Left,
            Intensity = 4, DurationSeconds = 30, Visible = true, Painful = false,
        });
        Check(episode.StatusCode == 201 && episode.Result.Type == EntryRecordedType.Episode, "episode answers 201");
        var cramp = await patient.RecordCrampAsync(patientId, null, new RecordCramp
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, BodyRegion = BodyRegion.Foot, Severity = 5, DurationSeconds = 60, Sudden = false,
            DisruptedDailyActivities = false,
        });
        var trigger = await patient.ReportTriggerAsync(patientId, null, new ReportTrigger
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = TriggerKind.PoorSleep, Level = 6, Details = "woke at 4",
        });
        var sleep = await patient.LogSleepAsync(patientId, null, new LogSleep
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, Night = yesterday.AddDays(-1), Hours = 6.5, Quality = 3, Awakenings = 2,
        });
        var intake = await patient.LogIntakeAsync(patientId, null, new LogIntake { EntryId = Guid.NewGuid(), OccurredAt = yesterday, WaterMl = 500, CaffeineMg = 95 });
        var intervention = await patient.ApplyInterventionAsync(patientId, null, new ApplyIntervention
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = InterventionKind.MagnesiumSupplement, DoseMg = 300,
        });
        var symptom = await patient.ReportSymptomAsync(patientId, null, new ReportSymptom
        {
            EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = SymptomKind.BalanceProblem, BodyRegion = BodyRegion.Hand, Severity = 6,
        });
        foreach (var written in new SwaggerResponse<EntryRecorded>[] { cramp, trigger, sleep, intake, intervention, symptom })
        {
            Check(written.StatusCode == 201, $"{written.Result.Type} answers 201");
        }

        Check(Header(symptom, "ETag") == "\"8\"", "the seventh entry answers ETag \"8\"");
        steps.Add("every entry type");

        // A batch with each entry type.
        var batch = await patient.RecordEntriesBatchAsync(patientId, null, new RecordEntriesBatch
        {
            Entries =
            [
                new BatchEpisode { EntryId = Guid.NewGuid(), OccurredAt = yesterday, BodyRegions = [BodyRegion.Eyelid], Side = Side.Right, Intensity = 2, DurationSeconds = 10, Visible = false, Painful = false },
                new BatchCramp { EntryId = Guid.NewGuid(), OccurredAt = yesterday, BodyRegion = BodyRegion.Calf, Severity = 4, DurationSeconds = 40, Sudden = true, DisruptedDailyActivities = false },
                new BatchTrigger { EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = TriggerKind.Caffeine },
                new BatchSleep { EntryId = Guid.NewGuid(), OccurredAt = yesterday, Night = yesterday.AddDays(-2), Hours = 7, Quality = 4, Awakenings = 1 },
                new BatchIntake { EntryId = Guid.NewGuid(), OccurredAt = yesterday, WaterMl = 750 },
                new BatchIntervention { EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = InterventionKind.Stretching },
                new BatchSymptom { EntryId = Guid.NewGuid(), OccurredAt = yesterday, Kind = SymptomKind.Numbness, Severity = 2 },
            ],
        });
        Check(batch.StatusCode == 200 && batch.Result.Created == 7 && batch.Result.Duplicates == 0, "the batch stores seven entries");
        Check(batch.Result.Results.Select(r => r.Type).Distinct().Count() == 7, "the batch answers one result per entry type");
        Check(batch.Result.Results.All(r => r.Status == BatchEntryResultStatus.Created), "every batch entry is created");
        steps.Add("batch with each entry type");

        // If-Match: the current version is accepted, a stale one refused with 412 and the current version.
        var profile = await patient.GetPatientAsync(patientId, null);
        var etag = Header(profile, "ETag");
        Check(etag == $"\"{profile.Result.Version}\"", "the profile's ETag is its version");
        var notModified = await Refused(() => patient.GetPatientAsync(patientId, etag));
        Check(notModified.StatusCode == 304, "a GET with a matching If-None-Match answers 304");
        var matched = await patient.LogIntakeAsync(patientId, etag, new LogIntake { EntryId = Guid.NewGuid(), OccurredAt = yesterday, WaterMl = 250 });
        Check(matched.StatusCode == 201, "a write with the current If-Match answers 201");
        var stale = (ApiException<ProblemDetails>)await Refused(() =>
            patient.LogIntakeAsync(patientId, etag, new LogIntake { EntryId = Guid.NewGuid(), OccurredAt = yesterday, WaterMl = 250 }));
        Check(stale.StatusCode == 412 && stale.Result.CurrentVersion == matched.Result.Version, "a stale If-Match answers 412 with currentVersion");
        Check(stale.Result.Field == "If-Match" && !string.IsNullOrEmpty(stale.Result.CorrelationId), "the 412 names If-Match and the correlation id");
        var invalid = (ApiException<ProblemDetails>)await Refused(() =>
            patient.RecordEpisodeAsync(patientId, null, new RecordEpisode
            {
                EntryId = Guid.NewGuid(), OccurredAt = yesterday, BodyRegions = [BodyRegion.Calf], Side = Side.Both, Intensity = 11, DurationSeconds = 1,
                Visible = false, Painful = false,
            }));
        Check(invalid.StatusCode == 400 && invalid.Result.Errors.ContainsKey("intensity"), "an out-of-range field answers 400 naming it");
        steps.Add("If-Match and a stale 412");

        // Retraction.
        var retraction = await patient.RetractEntryAsync(patientId, cramp.Result.EntryId, null, new RetractEntry { Reason = "entered twice" });
        Check(retraction.StatusCode == 201 && retraction.Result.EntryId == cramp.Result.EntryId, "the retraction answers 201");
        steps.Add("retraction");

        // Timeline: paged, and as at a version.
        var firstPage = await patient.GetTimelineAsync(patientId, null, null, 5, null, null, null, null);
        Check(firstPage.Result.Items.Count == 5 && firstPage.Result.NextCursor is not null, "the first page holds 5 entries and a cursor");
        var secondPage = await patient.GetTimelineAsync(patientId, null, null, 500, firstPage.Result.NextCursor, null, null, null);
        Check(firstPage.Result.Items.Count + secondPage.Result.Items.Count == 15, "the pages hold all 15 entries");
        Check(secondPage.Result.Items.Concat(firstPage.Result.Items).Single(i => i.EntryId == cramp.Result.EntryId).Retraction is not null, "the retracted entry is marked");
        var atVersion = await patient.GetTimelineAsync(patientId, null, null, null, null, null, 3, null);
        Check(atVersion.Result.AtVersion == 3 && atVersion.Result.Items.Count == 2, "the timeline at version 3 holds the first two entries");
        // NSwag writes query timestamps without their offset ("s" format): the server reads them as UTC (docs/openapi.md).
        var around = await patient.GetTimelineAsync(patientId, yesterday.AddMinutes(-1), yesterday.AddMinutes(1), 500, null, null, null, null);
        Check(around.Result.Items.Any(i => i.EntryId == episode.Result.EntryId), "from/to around the episode's time hold it");
        var before = await patient.GetTimelineAsync(patientId, yesterday.AddMinutes(-61), yesterday.AddMinutes(-1), 500, null, null, null, null);
        Check(before.Result.Items.All(i => i.EntryId != episode.Result.EntryId), "from/to an hour before the episode's time do not hold it");
        var asOfNow = await patient.GetTimelineAsync(patientId, null, null, 500, null, DateTimeOffset.UtcNow.AddMinutes(1), null, null);
        Check(asOfNow.Result.Items.Count == 15, "asOf a minute from now holds every entry");
        steps.Add("timeline (paged, atVersion)");

        // Daily rows, insights, history, export.
        var daily = await patient.GetDailySummariesAsync(patientId, yesterday.AddDays(-3), DateTimeOffset.UtcNow.AddDays(1), null);
        Check(daily.Result.TimeZone == "Europe/Paris", "daily answers in the patient's time zone");
        var insights = await patient.GetInsightsAsync(patientId, 30, null);
        Check(insights.Result.Days == 30, "insights answer for 30 days");
        var history = await patient.GetPatientHistoryAsync(patientId, 1, 10, null);
        Check(history.Result.Events.Count == 10 && history.Result.NextFromVersion is not null, "history pages the event log");
        var export = await patient.ExportRecordAsync(patientId, null);
        Check(export.Result.PatientId == patientId && export.Result.Events.Count == export.Result.StreamVersion, "the export holds every event");
        steps.Add("daily, insights, history, export");

        // Detection, alerts, explanation.
        var run = await ops.RunDetectionAsync();
        Check(run.Result.AlertsRaised >= 1, "detection raises the balance-problem alert");
        var alerts = await patient.GetAlertsAsync(patientId, null);
        var alert = alerts.Result.Alerts.Single(a => a.RuleId == "coordination-or-balance");
        Check(alert.RuleId == "coordination-or-balance" && alert.Severity == AlertSeverity.Urgent, "the alert names its rule and severity");
        var explanation = await patient.ExplainAlertAsync(patientId, alert.AlertId, null);
        Check(explanation.Result.Reproduces && explanation.Result.ReplayedSeverity == AlertSeverity.Urgent, "the explanation reproduces the decision");
        steps.Add("detection run, alerts, explanation");

        // Consents and acknowledgement.
        var consent = await patient.GrantConsentAsync(patientId, null, new GrantConsent { ClinicianId = clinicianId });
        Check(consent.StatusCode == 201 && consent.Result.Active && consent.Result.Scope == ConsentRecordedScope.Read, "consent answers 201");
        var acknowledged = await clinician.AcknowledgeAlertAsync(patientId, alert.AlertId, null, new AcknowledgeAlert { Note = "called the patient" });
        Check(acknowledged.StatusCode == 201 && acknowledged.Result.Note == "called the patient", "the clinician's acknowledgement answers 201");
        var again = await clinician.AcknowledgeAlertAsync(patientId, alert.AlertId, null, new AcknowledgeAlert());
        Check(again.StatusCode == 200, "a second acknowledgement answers 200");
        var revoked = await patient.RevokeConsentAsync(patientId, clinicianId, null);
        Check(revoked.StatusCode == 200 && !revoked.Result.Active, "revoking answers 200");
        var denied = await Refused(() => clinician.GetPatientAsync(patientId, null));
        Check(denied.StatusCode == 403, "after revocation the clinician is refused");
        steps.Add("acknowledgement, consents");
        return steps;
    }
}
