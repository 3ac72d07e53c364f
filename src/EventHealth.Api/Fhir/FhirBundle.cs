using System.Security.Cryptography;
using System.Text;
using EventHealth.Alerts;
using EventHealth.Recording;
using Hl7.Fhir.Model;
using JasperFx.Events;

namespace EventHealth.Fhir;

/// <summary>
/// A whole record as one FHIR R4 <c>collection</c> Bundle. Pure: the same record and clock give the same Bundle.
/// Every resource has a <c>urn:uuid</c> fullUrl derived from its EventHealth id, and every reference points at one
/// of them, so the Bundle is self-contained and a clinic can import it without calling back.
/// </summary>
public static class FhirBundle
{
    private sealed class EntryState(IPatientEntry entry, DateTimeOffset recordedAt)
    {
        public IPatientEntry Entry { get; } = entry;
        public DateTimeOffset RecordedAt { get; } = recordedAt;
        public string? RetractionReason { get; set; }
        public DateTimeOffset? RetractedAt { get; set; }
    }

    private sealed class AlertState(AlertRaised alert)
    {
        public AlertRaised Alert { get; } = alert;
        public AlertAcknowledged? Acknowledged { get; set; }
        public DateTimeOffset? AcknowledgedAt { get; set; }
    }

    public static Bundle Build(PatientRecord record, long version, IReadOnlyList<IEvent> events, DateTimeOffset now)
    {
        var entries = new Dictionary<Guid, EntryState>();
        var order = new List<Guid>();
        var alerts = new List<AlertState>();
        foreach (var @event in events)
        {
            switch (@event.Data)
            {
                case IPatientEntry entry when !entries.ContainsKey(entry.EntryId):
                    entries[entry.EntryId] = new EntryState(entry, EventMetadata.RecordedAt(@event));
                    order.Add(entry.EntryId);
                    break;
                case EntryRetracted retracted when entries.TryGetValue(retracted.EntryId, out var state):
                    state.RetractionReason = retracted.Reason;
                    state.RetractedAt = EventMetadata.RecordedAt(@event);
                    break;
                case AlertRaised raised:
                    alerts.Add(new AlertState(raised));
                    break;
                case AlertAcknowledged acknowledged when alerts.Find(a => a.Alert.AlertId == acknowledged.AlertId) is { Acknowledged: null } alert:
                    alert.Acknowledged = acknowledged;
                    alert.AcknowledgedAt = EventMetadata.RecordedAt(@event);
                    break;
            }
        }

        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Timestamp = now,
            Identifier = new Identifier(FhirCodes.PatientIdentifier + "/export", $"{record.Id}/{version}"),
            Meta = new Meta { LastUpdated = now },
        };

        var patientUrl = Url("patient", record.Id.ToString());
        var patient = new Patient
        {
            Id = record.Id.ToString(),
            Active = true,
            Identifier = [new Identifier(FhirCodes.PatientIdentifier, record.Id.ToString())],
            Name = [new HumanName { Text = record.DisplayName }],
            Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Home, record.Email)],
        };
        bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = patientUrl, Resource = patient });

        // The clinician contact who receives alert emails, as the Practitioner the patient named.
        if (record.ClinicianEmail is { } clinicianEmail)
        {
            var contactUrl = Url("clinician-contact", record.Id.ToString());
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = contactUrl,
                Resource = new Practitioner
                {
                    Id = Id(contactUrl),
                    Telecom = [new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, clinicianEmail)],
                },
            });
            patient.GeneralPractitioner.Add(new ResourceReference(contactUrl));
        }

        // Clinicians who wrote notes, identified by their clinician id.
        foreach (var clinicianId in entries.Values.Select(e => e.Entry).OfType<ClinicianNoteAdded>().Select(n => n.ClinicianId).Distinct(StringComparer.Ordinal))
        {
            var url = Url("clinician", clinicianId);
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = url,
                Resource = new Practitioner { Id = Id(url), Identifier = [new Identifier(FhirCodes.ClinicianIdentifier, clinicianId)] },
            });
        }

        var entryUrls = new Dictionary<Guid, string>();
        foreach (var id in order)
        {
            var state = entries[id];
            var url = Url("entry", id.ToString());
            entryUrls[id] = url;
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = EntryResource(state, patientUrl) });
        }

        foreach (var alert in alerts)
        {
            var url = Url("alert", alert.Alert.AlertId.ToString());
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = AlertResource(alert, patientUrl, entryUrls) });
        }

        foreach (var experiment in Experiments.ExperimentHistory.From(events).Where(e => e.Conclusion is not null))
        {
            var url = Url("experiment", experiment.Plan.ExperimentId.ToString());
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = url, Resource = ExperimentResource(record.Id, experiment, events, patientUrl, entryUrls) });
        }

        return bundle;
    }

    private static Resource EntryResource(EntryState state, string patientUrl)
    {
        var entry = state.Entry;
        var retracted = state.RetractionReason is not null;
        var identifier = new Identifier(FhirCodes.EntryIdentifier, entry.EntryId.ToString());
        var subject = new ResourceReference(patientUrl);
        var notes = new List<Annotation>();
        if (entry is TriggerReported { Details: { } triggerDetails })
        {
            notes.Add(new Annotation { Text = new Markdown(triggerDetails) });
        }

        if (entry is InterventionApplied { Details: { } interventionDetails })
        {
            notes.Add(new Annotation { Text = new Markdown(interventionDetails) });
        }

        if (retracted)
        {
            notes.Add(new Annotation { Text = new Markdown($"Retracted: {state.RetractionReason}"), Time = state.RetractedAt?.ToString("o") });
        }

        if (entry is InterventionApplied intervention)
        {
            return InterventionResource(intervention, state, identifier, subject, notes, retracted);
        }

        var observation = new Observation
        {
            Id = entry.EntryId.ToString(),
            Identifier = [identifier],
            Status = retracted ? ObservationStatus.EnteredInError : ObservationStatus.Final,
            Category = [new CodeableConcept(FhirCodes.ObservationCategory, "survey", "Survey")],
            Code = FhirCodes.Kind(entry),
            Subject = subject,
            Effective = new FhirDateTime(entry.OccurredAt),
            Issued = state.RecordedAt,
            Note = notes,
        };
        observation.Performer.Add(entry is ClinicianNoteAdded note ? new ResourceReference(Url("clinician", note.ClinicianId)) : new ResourceReference(patientUrl));

        void Add(string code, string display, DataType value) =>
            observation.Component.Add(new Observation.ComponentComponent { Code = FhirCodes.ComponentCode(code, display), Value = value });

        switch (entry)
        {
            case TwitchEpisodeRecorded episode:
                Add("intensity", "Intensity (0-10)", new Integer(episode.Intensity));
                Add("duration", "Duration", FhirCodes.Seconds(episode.DurationSeconds));
                foreach (var region in episode.BodyRegions)
                {
                    Add("body-site", "Body site", FhirCodes.Region(region));
                }

                Add("side", "Side", FhirCodes.Laterality(episode.Side));
                Add("visible", "Visible movement", new FhirBoolean(episode.Visible));
                Add("painful", "Painful", new FhirBoolean(episode.Painful));
                observation.BodySite = episode.BodyRegions.Count == 1 ? FhirCodes.Region(episode.BodyRegions[0]) : null;
                break;
            case CrampRecorded cramp:
                Add("severity", "Severity (0-10)", new Integer(cramp.Severity));
                Add("duration", "Duration", FhirCodes.Seconds(cramp.DurationSeconds));
                Add("body-site", "Body site", FhirCodes.Region(cramp.BodyRegion));
                Add("sudden", "Sudden onset", new FhirBoolean(cramp.Sudden));
                Add("disrupted-daily-activities", "Disrupted daily activities", new FhirBoolean(cramp.DisruptedDailyActivities));
                observation.BodySite = FhirCodes.Region(cramp.BodyRegion);
                break;
            case TriggerReported trigger:
                if (trigger.Level is { } level)
                {
                    Add("level", "Level (0-10)", new Integer(level));
                }

                break;
            case SleepLogged sleep:
                observation.Value = FhirCodes.Hours(sleep.Hours);
                Add("night", "Night of", new FhirDateTime(sleep.Night.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
                Add("quality", "Quality (1-5)", new Integer(sleep.Quality));
                Add("awakenings", "Awakenings", new Integer(sleep.Awakenings));
                break;
            case IntakeLogged intake:
                if (intake.WaterMl is { } water)
                {
                    Add("water", "Water", FhirCodes.Millilitres(water));
                }

                if (intake.CaffeineMg is { } caffeine)
                {
                    Add("caffeine", "Caffeine", FhirCodes.Milligrams(caffeine));
                }

                break;
            case NeurologicalSymptomReported symptom:
                Add("severity", "Severity (0-10)", new Integer(symptom.Severity));
                if (symptom.BodyRegion is { } symptomRegion)
                {
                    Add("body-site", "Body site", FhirCodes.Region(symptomRegion));
                    observation.BodySite = FhirCodes.Region(symptomRegion);
                }

                break;
            case ClinicianNoteAdded clinicianNote:
                observation.Value = new FhirString(clinicianNote.Text);
                break;
        }

        return observation;
    }

    /// <summary>Supplements and medication changes are medication statements; everything else the patient did is a procedure.</summary>
    private static Resource InterventionResource(InterventionApplied intervention, EntryState state, Identifier identifier, ResourceReference subject,
        List<Annotation> notes, bool retracted)
    {
        var code = new CodeableConcept { Coding = [FhirCodes.Own(FhirCodes.Intervention, intervention.Kind)], Text = Timeline.EntrySummaries.Words(intervention.Kind) };
        if (intervention.Kind is InterventionKind.MagnesiumSupplement or InterventionKind.MedicationAdjustment)
        {
            var statement = new MedicationStatement
            {
                Id = intervention.EntryId.ToString(),
                Identifier = [identifier],
                Status = retracted ? MedicationStatement.MedicationStatusCodes.EnteredInError : MedicationStatement.MedicationStatusCodes.Completed,
                Medication = code,
                Subject = subject,
                Effective = new FhirDateTime(intervention.OccurredAt),
                DateAsserted = state.RecordedAt.ToString("o"),
                InformationSource = subject,
                Note = notes,
            };
            if (intervention.DoseMg is { } dose)
            {
                statement.Dosage.Add(new Dosage { DoseAndRate = [new Dosage.DoseAndRateComponent { Dose = FhirCodes.Milligrams(dose) }] });
            }

            return statement;
        }

        return new Procedure
        {
            Id = intervention.EntryId.ToString(),
            Identifier = [identifier],
            Status = retracted ? EventStatus.EnteredInError : EventStatus.Completed,
            Code = code,
            Subject = subject,
            Performed = new FhirDateTime(intervention.OccurredAt),
            Recorder = subject,
            Note = notes,
        };
    }

    private static DetectedIssue AlertResource(AlertState state, string patientUrl, Dictionary<Guid, string> entryUrls)
    {
        var alert = state.Alert;
        var issue = new DetectedIssue
        {
            Id = alert.AlertId.ToString(),
            Identifier = [new Identifier(FhirCodes.AlertIdentifier, alert.AlertId.ToString())],
            Status = ObservationStatus.Final,
            Code = FhirCodes.RuleCode(alert),
            Severity = alert.Severity == AlertSeverity.Urgent ? DetectedIssue.DetectedIssueSeverity.High : DetectedIssue.DetectedIssueSeverity.Moderate,
            Patient = new ResourceReference(patientUrl),
            Identified = new FhirDateTime(alert.DetectedAt),
            Detail = $"{alert.Criterion} (rule {alert.RuleId} version {alert.RuleVersion}, record version {alert.EvaluatedThroughVersion})",
        };
        var evidence = alert.Evidence.Where(entryUrls.ContainsKey).Select(id => new ResourceReference(entryUrls[id])).ToList();
        if (evidence.Count > 0)
        {
            issue.Evidence.Add(new DetectedIssue.EvidenceComponent { Detail = evidence });
        }

        if (state.Acknowledged is { } acknowledged)
        {
            issue.Mitigation.Add(new DetectedIssue.MitigationComponent
            {
                Action = new CodeableConcept(FhirCodes.AlertAction, "acknowledged", "Acknowledged", $"Acknowledged by {acknowledged.By}"),
                Date = state.AcknowledgedAt?.ToString("o"),
            });
        }

        return issue;
    }

    /// <summary>
    /// A concluded N-of-1 experiment as one Observation of its effect (docs/fhir.md): the effect (B − A) as the value,
    /// the means, interval and p-values as components, the outcome entries it was computed from as derivedFrom
    /// (Observations), and the intervention statements that decided adherence as focus (what the effect is about).
    /// </summary>
    private static Observation ExperimentResource(Guid patientId, Experiments.ExperimentHistory experiment, IReadOnlyList<IEvent> events, string patientUrl,
        Dictionary<Guid, string> entryUrls)
    {
        var analysis = experiment.Conclusion!.Analysis;
        var plan = experiment.Plan;
        // The days and entries behind the figures, replayed as the analysis read them (as the explanation does).
        var eventsThen = events.TakeWhile(e => e.Version <= analysis.ThroughVersion).ToList();
        var historyThen = Experiments.ExperimentHistory.From(eventsThen).Single(e => e.Plan.ExperimentId == plan.ExperimentId);
        var days = Experiments.ExperimentAnalyzer.Conclude(historyThen.Plan, historyThen.Stop, Detection.RecordFacts.From(patientId, eventsThen)).Days;
        var unit = plan.Outcome == Experiments.ExperimentOutcome.MeanIntensity ? ("{score}", "score (0-10)") : ("/d", "per day");
        Quantity? Amount(double? value) => value is { } v ? new Quantity { Value = (decimal)v, Unit = unit.Item2, System = FhirCodes.Ucum, Code = unit.Item1 } : null;
        static Quantity Probability(double p) => new() { Value = (decimal)p, Unit = "1", System = FhirCodes.Ucum, Code = "1" };

        var observation = new Observation
        {
            Id = plan.ExperimentId.ToString(),
            Identifier = [new Identifier(FhirCodes.ExperimentIdentifier, plan.ExperimentId.ToString())],
            Status = ObservationStatus.Final,
            Code = new CodeableConcept(FhirCodes.Experiment, "n-of-1-effect", "N-of-1 experiment effect (B minus A)",
                $"Effect of {Timeline.EntrySummaries.Words(plan.Intervention)} on {Timeline.EntrySummaries.Words(plan.Outcome)} (B minus A)"),
            Subject = new ResourceReference(patientUrl),
            Effective = new Period(new FhirDateTime(plan.StartDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                new FhirDateTime(analysis.LastDayAnalysed.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))),
            Issued = experiment.ConcludedAt,
            Method = new CodeableConcept(FhirCodes.Experiment, $"analysis-method-{analysis.MethodVersion}", $"EventHealth N-of-1 analysis, method {analysis.MethodVersion}",
                Experiments.ExplainExperimentEndpoint.MethodV1),
            Value = Amount(analysis.AsPlanned.Effect),
            DataAbsentReason = analysis.AsPlanned.Effect is null ? new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed") : null,
            Note = [new Annotation { Text = new Markdown(analysis.Verdict) }],
            Focus = days.SelectMany(d => d.InterventionEntries).Distinct().Where(entryUrls.ContainsKey).Select(id => new ResourceReference(entryUrls[id])).ToList(),
            DerivedFrom = days.Where(d => d.Status == Experiments.DayStatus.Analysed).SelectMany(d => d.OutcomeEntries).Distinct().Where(entryUrls.ContainsKey)
                .Select(id => new ResourceReference(entryUrls[id])).ToList(),
        };
        observation.Performer.Add(new ResourceReference(patientUrl));

        void Add(string code, string display, DataType? value)
        {
            if (value is not null)
            {
                observation.Component.Add(new Observation.ComponentComponent { Code = FhirCodes.ComponentCode(code, display), Value = value });
            }
        }

        foreach (var (prefix, words, effect) in new[] { ("", "", analysis.AsPlanned), ("adhered-", " (followed days only)", analysis.AdheredOnly) })
        {
            Add($"{prefix}pairs", $"Pairs analysed{words}", new Integer(effect.Pairs));
            Add($"{prefix}mean-a", $"Mean on A periods{words}", Amount(effect.MeanA));
            Add($"{prefix}mean-b", $"Mean on B periods{words}", Amount(effect.MeanB));
            Add($"{prefix}effect", $"Effect, B minus A{words}", Amount(effect.Effect));
            Add($"{prefix}effect-95-interval", $"95% interval of the effect{words}",
                effect.IntervalLow is { } low && effect.IntervalHigh is { } high ? new Hl7.Fhir.Model.Range { Low = Amount(low), High = Amount(high) } : null);
            Add($"{prefix}p-value", $"Exact randomisation p-value, two-sided{words}", effect.PValue is { } p ? Probability(p) : null);
            Add($"{prefix}smallest-possible-p-value", $"Smallest p-value the pairs can reach{words}", effect.SmallestPossiblePValue is { } least ? Probability(least) : null);
        }

        return observation;
    }

    /// <summary>A stable <c>urn:uuid</c> for one EventHealth thing (name-based, so a record exports the same URLs every time).</summary>
    public static string Url(string kind, string id)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"eventhealth/{kind}/{id}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5-style, name-based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 4122 variant
        return $"urn:uuid:{new Guid(hash.AsSpan(0, 16), bigEndian: true)}";
    }

    private static string Id(string url) => url["urn:uuid:".Length..];

}
