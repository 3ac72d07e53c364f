using System.Text.Json.Nodes;
using EventHealth.Access;
using EventHealth.Alerts;
using EventHealth.Audit;
using EventHealth.Daily;
using EventHealth.Experiments;
using EventHealth.Insights;
using EventHealth.Recording;
using EventHealth.Timeline;

namespace EventHealth.Http;

/// <summary>
/// The words and numbers of the OpenAPI document: each operation's summary and description, an example body for every
/// write (one the server accepts: the contract tests send each), and the ranges the validators enforce, taken from
/// the constants the validators use where there is one (the contract tests check every range against the server).
/// </summary>
public static class OpenApiTexts
{
    public sealed record Operation(string Summary, string Description, string? Example = null);

    public static readonly IReadOnlyDictionary<string, Operation> Operations = new Dictionary<string, Operation>(StringComparer.Ordinal)
    {
        ["enrollPatient"] = new("Enroll a patient",
            "Starts the caller's record: the record id is the token's subject. A retry with the same content answers 200 with the record; other content under the same id answers 409.",
            """{"displayName":"Ana Souza","email":"ana@example.org","timeZone":"Europe/Lisbon","clinicianEmail":"dr.lima@example.org","alertEmails":true}"""),
        ["changeContactDetails"] = new("Change contact details",
            "Absent or null fields stay as they are; an empty clinicianEmail removes the clinician contact. A patch that changes nothing stores nothing.",
            """{"timeZone":"Europe/Paris","alertEmails":false}"""),
        ["getPatient"] = new("Read the profile", "The profile and how many entries of each type still count. Its ETag is the record version, for If-Match on writes."),
        ["recordEpisode"] = new("Record a twitching episode", "A fasciculation episode: where, which side, how strong (0-10), how long."
            + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a51","occurredAt":"2026-03-29T08:15:00+02:00","bodyRegions":["calf"],"side":"left","intensity":4,"durationSeconds":30,"visible":true,"painful":false}"""),
        ["recordCramp"] = new("Record a cramp", "A muscle cramp: where, how severe (0-10), how long, whether sudden and whether it disrupted daily activities." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a52","occurredAt":"2026-03-29T21:40:00+02:00","bodyRegion":"foot","severity":6,"durationSeconds":90,"sudden":true,"disruptedDailyActivities":false}"""),
        ["reportTrigger"] = new("Report a trigger", "Something that may bring twitching on (stress, poor sleep, caffeine...), with an optional level (0-10)." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a53","occurredAt":"2026-03-29T12:00:00+02:00","kind":"poor-sleep","level":7,"details":"woke at 4"}"""),
        ["logSleep"] = new("Log a night's sleep", "Hours (0-24), quality (1 poor to 5 excellent) and awakenings of the night that began on 'night'." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a54","occurredAt":"2026-03-29T07:00:00+02:00","night":"2026-03-28","hours":6.5,"quality":3,"awakenings":2}"""),
        ["logIntake"] = new("Log water and caffeine", "Water (ml) and caffeine (mg); at least one of them." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a55","occurredAt":"2026-03-29T10:30:00+02:00","waterMl":500,"caffeineMg":95}"""),
        ["applyIntervention"] = new("Record an intervention", "Something the patient tried (magnesium, stretching, heat...), with an optional dose." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a56","occurredAt":"2026-03-29T20:00:00+02:00","kind":"magnesium-supplement","doseMg":300,"details":"glycinate"}"""),
        ["reportSymptom"] = new("Report a neurological symptom", "Weakness, atrophy, numbness, balance or coordination problems... with severity (0-10); detection rules watch these." + EntryRules,
            """{"entryId":"6f1c2a3e-4b5d-4e6f-8a9b-0c1d2e3f4a57","occurredAt":"2026-03-29T16:00:00+02:00","kind":"tingling","bodyRegion":"hand","severity":3}"""),
        ["recordEntriesBatch"] = new("Record a batch of entries (offline sync)",
            "Up to 500 entries of mixed types, stored in one transaction or not at all. Each entry's \"type\" selects its fields. Every entry answers created or duplicate; an entry id reused for other content refuses the whole batch (409, naming the entry).",
            """{"entries":[{"type":"episode","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c61","occurredAt":"2026-03-30T08:00:00+02:00","bodyRegions":["eyelid"],"side":"right","intensity":2,"durationSeconds":10,"visible":false,"painful":false},{"type":"cramp","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c62","occurredAt":"2026-03-30T08:05:00+02:00","bodyRegion":"calf","severity":5,"durationSeconds":60,"sudden":true,"disruptedDailyActivities":false},{"type":"trigger","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c63","occurredAt":"2026-03-30T09:00:00+02:00","kind":"caffeine"},{"type":"sleep","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c64","occurredAt":"2026-03-30T07:00:00+02:00","night":"2026-03-29","hours":7,"quality":4,"awakenings":1},{"type":"intake","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c65","occurredAt":"2026-03-30T10:00:00+02:00","waterMl":750},{"type":"intervention","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c66","occurredAt":"2026-03-30T19:00:00+02:00","kind":"stretching"},{"type":"symptom","entryId":"7a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c67","occurredAt":"2026-03-30T15:00:00+02:00","kind":"numbness","bodyRegion":"foot","severity":2}]}"""),
        ["retractEntry"] = new("Retract an entry",
            "Withdraws an entry: it stays in the history, marked, and stops counting everywhere. A second retraction of the same entry answers 409. The patient retracts their own entries; a clinician with read-write consent any entry, notes included; an operator only a clinician's note, and only with requestReference (the patient's documented request).",
            """{"reason":"entered twice by mistake"}"""),
        ["getTimeline"] = new("Read the timeline",
            "Entries in occurredAt order, retracted ones marked, paged with a cursor. With asOf or atVersion (not both), the timeline as the record stood then, replayed from the event log. A live page read again at the same record version is the answer kept from the last read; with Cache-Control: no-cache it is read again."),
        ["getDailySummaries"] = new("Read daily summaries",
            "One row per local day of the patient's time zone: episodes, max and mean intensity, cramps, sleep hours, water, caffeine, stress, triggers and interventions present."),
        ["getInsights"] = new("Read insights",
            "Trigger associations (episodes on days with vs without each trigger) and intervention effects (episode rate before vs after), with the number of days behind each figure."),
        ["getPatientHistory"] = new("Read the raw event log", "For audits: sequence, version, type, data, recordedAt, actor, client and correlation id of every event."),
        ["exportRecord"] = new("Export the whole record", "The profile, every event with its metadata, and the current projections, as one JSON document."),
        ["getAlerts"] = new("List alerts", "Alerts, newest first, with rule, severity, criterion, evidence, notification status and acknowledgement."),
        ["explainAlert"] = new("Explain an alert",
            "Replays the record up to the version the rule saw, re-runs the rule version recorded on the alert, and shows the evidence entries and whether the decision reproduces."),
        ["acknowledgeAlert"] = new("Acknowledge an alert", "A person saw the alert. A second acknowledgement answers 200 with the first and stores nothing.",
            """{"note":"Called the patient; appointment booked."}"""),
        ["grantConsent"] = new("Grant a clinician consent",
            "Lets the clinician (the token subject of a clinician) read the record and acknowledge alerts (scope read, the default), and also add notes and retract entries (scope read-write). Granting the scope the clinician holds again answers 200; another scope replaces it.",
            """{"clinicianId":"dr-lima","scope":"read"}"""),
        ["addClinicianNote"] = new("Add a clinician's note",
            "A clinician with a read-write consent adds a note to the record: an entry with its own id (a repeat answers 200, the same id with other text 409), retractable, on the timeline as type note, counted in no figure.",
            """{"entryId":"7b0c8d2e-4f61-4a3b-9e55-2c1d0f8a6b13","occurredAt":"2026-03-14T09:30:00+01:00","text":"Reviewed the last two weeks; magnesium helps, keep the sleep log."}"""),
        ["eraseRecord"] = new("Erase the record",
            "Erases the record's personal data (names, addresses, free text) in every event, document and queued message, by Marten's masking of protected information; the record answers 410 afterwards. The patient, or an operator with the reference of the patient's documented request. See docs/erasure.md.",
            """{"requestReference":"DSR-2026-0042"}"""),
        ["exportRecordAsFhir"] = new("Export the record as FHIR R4",
            "The whole record as a FHIR R4 collection Bundle (application/fhir+json): Patient, one Observation per entry, interventions as MedicationStatement or Procedure, alerts as DetectedIssue with their evidence, retracted entries entered-in-error. Codes in docs/fhir.md."),
        ["revokeConsent"] = new("Revoke a clinician's consent", "Withdraws the consent; effective for the next request. 404 when the clinician holds none."),
        ["getAccessAudit"] = new("Read the access audit", "Every request that touched records, oldest first: who, role, route, outcome and correlation id. Auditors only."),
        ["runDetection"] = new("Run detection now", "Runs the detection job the schedule runs and reports what it evaluated and raised. Operators only."),
        ["rebuildProjections"] = new("Rebuild projections", "Rebuilds every projection from the event log and reports whether the rebuilt state equals the live state; repair=true replaces differing state. Operators only."),
        ["runBacktest"] = new("Backtest rule versions",
            "Runs the live rule set, or candidate versions in place of live ones, over every record (or the named ones) as it stood at the end of each local day of a closed period, and reports the alerts it would have raised and how they differ from those raised. Reads only: nothing is written, no email is sent. Operators only.",
            """{"from":"2026-03-23","to":"2026-03-29","rules":[{"ruleId":"weakness-or-atrophy","version":2}]}"""),
        ["planExperiment"] = new("Plan an N-of-1 experiment",
            "Pairs of periods with the intervention (A) and with the comparison (B: nothing, or another intervention), the order within each pair drawn by the server. "
            + "The seed and the whole day-by-day schedule are stored in ExperimentPlanned before any outcome is seen. startDate (the patient's local calendar) is today or later, "
            + "default tomorrow. The experimentId is the client's idempotency key: the same plan again answers 200 with the first answer, another plan under the same id 409; "
            + "a plan over the days of an open experiment answers 409. The patient, or a clinician with read-write consent. See docs/experiments.md.",
            """{"experimentId":"5e0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a21","intervention":"magnesium-supplement","dose":"300 mg","outcome":"daily-episodes","periodDays":7,"pairs":4,"washoutDays":1}"""),
        ["getExperiments"] = new("List experiments", "Every experiment of the record in planning order: plan, schedule, status, what today is, adherence so far, stop and analysis."),
        ["getExperiment"] = new("Read an experiment",
            "The plan and its schedule, what today is (arm A or B, pair, period, day of period, washout, next switch), adherence over the days already over, the stop and the analysis."),
        ["stopExperiment"] = new("Stop an experiment early",
            "Stops a running or planned experiment; the patient's local today and later days are not analysed. A stopped, concluded or finished experiment answers 409.",
            """{"reason":"started a new medication"}"""),
        ["concludeExperiment"] = new("Conclude an experiment",
            "Analyses the experiment once its last day is over (or after a stop) and appends ExperimentConcluded: per-period means, the effect (mean of B - A over pairs) with a 95% t interval "
            + "and an exact randomisation p-value, the same over days that followed the schedule, and a plain-words verdict. A repeat answers 200 with the stored analysis; before the end, 409."),
        ["explainExperiment"] = new("Explain an experiment's analysis",
            "Replays the record up to the version the analysis read, re-runs the recorded method version, says whether it reproduces the stored analysis byte for byte, and lists every day "
            + "(status, value, adherence) and the entries behind each figure. 404 until the experiment is concluded."),
        ["runWeeklyDigest"] = new("Send the weekly digest now", "Queues the weekly digest emails the schedule sends. Operators only."),
    };

    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Recording"] = "The patient's record: enrollment, contact details and entries. Nothing is changed in place; a mistake is retracted.",
        ["Timeline"] = "Entries in the order they happened, and the record as it stood at an earlier moment or version.",
        ["Daily"] = "One row per local day of the patient's time zone.",
        ["Insights"] = "Triggers and interventions set against episodes, with the number of days behind each figure.",
        ["Audit"] = "The raw event log of a record and the access audit.",
        ["Export"] = "The whole record as one document.",
        ["Alerts"] = "Alerts raised by the detection rules: list, explanation by replay, acknowledgement.",
        ["Access"] = "Consents that let a clinician read a record.",
        ["Experiments"] = "N-of-1 experiments: planned A/B periods in a randomised order, followed day by day, analysed by a fixed, versioned method.",
        ["Operations"] = "Runs for operators: detection, projection rebuilds, the weekly digest.",
    };

    /// <summary>Inclusive bounds of numeric fields and maximum lengths of text fields, by schema and property.</summary>
    public static readonly IReadOnlyDictionary<(string Schema, string Property), (decimal? Minimum, decimal? Maximum, int? MaxLength)> Ranges =
        new Dictionary<(string, string), (decimal?, decimal?, int?)>
        {
            [(nameof(EnrollPatient), "displayName")] = (null, null, EnrollPatient.MaxDisplayNameLength),
            [(nameof(RecordEpisode), "intensity")] = (0, 10, null),
            [(nameof(RecordEpisode), "durationSeconds")] = (0, EntryRequest.MaxDurationSeconds, null),
            [(nameof(RecordCramp), "severity")] = (0, 10, null),
            [(nameof(RecordCramp), "durationSeconds")] = (0, EntryRequest.MaxDurationSeconds, null),
            [(nameof(ReportTrigger), "level")] = (0, 10, null),
            [(nameof(ReportTrigger), "details")] = (null, null, EntryRequest.MaxDetailsLength),
            [(nameof(LogSleep), "hours")] = (0, 24, null),
            [(nameof(LogSleep), "quality")] = (1, 5, null),
            [(nameof(LogSleep), "awakenings")] = (0, 100, null),
            [(nameof(LogIntake), "waterMl")] = (0, LogIntake.MaxWaterMl, null),
            [(nameof(LogIntake), "caffeineMg")] = (0, LogIntake.MaxCaffeineMg, null),
            [(nameof(ApplyIntervention), "doseMg")] = (0, ApplyIntervention.MaxDoseMg, null),
            [(nameof(ApplyIntervention), "details")] = (null, null, EntryRequest.MaxDetailsLength),
            [(nameof(ReportSymptom), "severity")] = (0, 10, null),
            [(nameof(RetractEntry), "reason")] = (null, null, RetractEntry.MaxReasonLength),
            [(nameof(AcknowledgeAlert), "note")] = (null, null, AcknowledgeAlert.MaxNoteLength),
            [(nameof(GrantConsent), "clinicianId")] = (null, null, 200),
            [(nameof(AddClinicianNote), "text")] = (null, null, AddClinicianNote.MaxTextLength),
            [(nameof(PlanExperiment), "periodDays")] = (PlanExperiment.MinPeriodDays, PlanExperiment.MaxPeriodDays, null),
            [(nameof(PlanExperiment), "pairs")] = (PlanExperiment.MinPairs, PlanExperiment.MaxPairs, null),
            [(nameof(PlanExperiment), "washoutDays")] = (0, PlanExperiment.MaxWashoutDays, null),
            [(nameof(PlanExperiment), "dose")] = (null, null, PlanExperiment.MaxDoseLength),
            [(nameof(StopExperiment), "reason")] = (null, null, StopExperiment.MaxReasonLength),
            [(nameof(Erasure.EraseRecord), "requestReference")] = (null, null, Access.RequestReference.MaxLength),
            [(nameof(Recording.RetractEntry), "requestReference")] = (null, null, Access.RequestReference.MaxLength),
        };

    /// <summary>
    /// Text fields of answers (and the consent scope) that hold a fixed vocabulary: a CLR enum (described by its
    /// component when the document has one) or a list of spellings. Array fields describe their items.
    /// </summary>
    public static readonly IReadOnlyDictionary<(string Schema, string Property), object> Vocabularies =
        new Dictionary<(string, string), object>
        {
            [(nameof(EntryRecorded), "type")] = EntryKinds.AllWithNotes,
            [(nameof(BatchEntryResult), "type")] = EntryKinds.All,
            [(nameof(BatchEntryResult), "status")] = new[] { "created", "duplicate" },
            [(nameof(TimelineItem), "type")] = EntryKinds.AllWithNotes,
            [(nameof(EvidenceEntry), "type")] = EntryKinds.All,
            [(nameof(AlertView), "severity")] = typeof(AlertSeverity),
            [(nameof(AlertExplanation), "replayedSeverity")] = typeof(AlertSeverity),
            [(nameof(NotificationStatus), "status")] = new[] { "sent", "failed", "pending" },
            [(nameof(ConsentRecorded), "scope")] = ConsentScopes.All,
            [(nameof(GrantConsent), "scope")] = ConsentScopes.All,
            [(nameof(AccessRecord), "role")] = Roles.All,
            [(nameof(AccessRecord), "outcome")] = new[] { "allowed", "denied", "throttled", "failed" },
            [(nameof(TriggerAssociation), "kind")] = typeof(TriggerKind),
            [(nameof(InterventionEffect), "kind")] = typeof(InterventionKind),
            [(nameof(DailySummary), "triggers")] = typeof(TriggerKind),
            [(nameof(DailySummary), "interventions")] = typeof(InterventionKind),
            [(nameof(DailySummary), "symptoms")] = typeof(SymptomKind),
        };

    /// <summary>Query parameters: description and inclusive bounds, by operation and parameter.</summary>
    public static readonly IReadOnlyDictionary<(string Operation, string Parameter), (string Description, decimal? Minimum, decimal? Maximum)> Parameters =
        new Dictionary<(string, string), (string, decimal?, decimal?)>
        {
            [("getTimeline", "from")] = ("Entries that occurred at or after this moment.", null, null),
            [("getTimeline", "to")] = ("Entries that occurred before this moment.", null, null),
            [("getTimeline", "limit")] = ($"Page size, default {GetTimelineEndpoint.DefaultLimit}.", 1, GetTimelineEndpoint.MaxLimit),
            [("getTimeline", "cursor")] = ("nextCursor of the previous page.", null, null),
            [("getTimeline", "asOf")] = ("Time travel: the timeline as the record stood at this moment.", null, null),
            [("getTimeline", "atVersion")] = ("Time travel: the timeline as the record stood at this version.", 1, null),
            [("getDailySummaries", "from")] = ($"First local day; default {GetDailySummariesEndpoint.DefaultDays} days before 'to'.", null, null),
            [("getDailySummaries", "to")] = ($"Last local day, default today; at most {GetDailySummariesEndpoint.MaxDays} days in all.", null, null),
            [("getInsights", "days")] = ($"The latest N local days, default {GetInsightsEndpoint.DefaultDays}.", 1, GetInsightsEndpoint.MaxDays),
            [("getPatientHistory", "fromVersion")] = ("First version to list, default 1.", 1, null),
            [("getPatientHistory", "limit")] = ($"Page size, default {GetPatientHistoryEndpoint.DefaultLimit}.", 1, GetPatientHistoryEndpoint.MaxLimit),
            [("getAccessAudit", "patientId")] = ("Only requests about this record.", null, null),
            [("getAccessAudit", "from")] = ("Requests at or after this moment.", null, null),
            [("getAccessAudit", "to")] = ("Requests before this moment.", null, null),
            [("getAccessAudit", "limit")] = ("Page size.", 1, GetAccessAuditEndpoint.MaxRecords),
            [("rebuildProjections", "repair")] = ("Replace state that differs from the rebuilt state.", null, null),
        };

    private const string EntryRules = " The entryId is the client's idempotency key: the same entry again answers 200 with the first answer, other content under the same id 409. occurredAt needs an offset and may not be more than 5 minutes in the future.";

    public static JsonNode? ExampleOf(string operationId) =>
        Operations.TryGetValue(operationId, out var texts) && texts.Example is { } example ? JsonNode.Parse(example) : null;
}
