using EventHealth.Access;
using EventHealth.Alerts;
using EventHealth.Erasure;
using EventHealth.Experiments;
using JasperFx.Events;
using Marten;

namespace EventHealth.Recording;

/// <summary>One event type of a patient's stream and what the code needs to know about it.</summary>
/// <param name="Capability">The folder whose writes append it.</param>
/// <param name="EntryKind">For an entry (<see cref="IPatientEntry"/>): its short name in routes, the batch's "type" and
/// summaries (<see cref="EntryKinds"/>); null for every other event.</param>
/// <param name="Mask">What an erasure leaves of an event of this type (Marten's masking rule for protected
/// information); null when the event carries no personal data (docs/erasure.md).</param>
public sealed record PatientStreamEvent(Type Type, string Capability, string? EntryKind, Action<StoreOptions>? Mask)
{
    public bool IsEntry => EntryKind is not null;

    public bool CarriesPersonalData => Mask is not null;
}

/// <summary>
/// The catalogue of a patient's stream: every event type that may be appended to it, listed once. Marten registers
/// its event types and erasure's masking rules from here, entry kinds are looked up here; a new event type is added
/// here and nowhere else (a unit test finds any event type the record's folds apply that is missing).
/// </summary>
public static class PatientStreamEvents
{
    public static readonly IReadOnlyList<PatientStreamEvent> All =
    [
        Event<PatientEnrolled>("Recording", mask: e =>
            e with { DisplayName = Erased.Text, Email = Erased.Text, ClinicianEmail = Erased.Mask(e.ClinicianEmail) }),
        Event<ContactDetailsChanged>("Recording", mask: e => e with { Email = Erased.Mask(e.Email), ClinicianEmail = Erased.Mask(e.ClinicianEmail) }),
        Event<TwitchEpisodeRecorded>("Recording", EntryKinds.Episode),
        Event<CrampRecorded>("Recording", EntryKinds.Cramp),
        Event<TriggerReported>("Recording", EntryKinds.Trigger, e => e with { Details = Erased.Mask(e.Details) }),
        Event<SleepLogged>("Recording", EntryKinds.Sleep),
        Event<IntakeLogged>("Recording", EntryKinds.Intake),
        Event<InterventionApplied>("Recording", EntryKinds.Intervention, e => e with { Details = Erased.Mask(e.Details) }),
        Event<NeurologicalSymptomReported>("Recording", EntryKinds.Symptom),
        Event<ClinicianNoteAdded>("Recording", EntryKinds.Note, e => e with { Text = Erased.Text }),
        Event<EntryRetracted>("Recording", mask: e => e with { Reason = Erased.Text }),
        Event<ConsentGranted>("Access"),
        Event<ConsentRevoked>("Access"),
        Event<AlertRaised>("Detection"),
        Event<AlertNotificationSent>("Alerts", mask: e => e with { Recipient = Erased.Text }),
        Event<AlertNotificationFailed>("Alerts", mask: e => e with { Recipient = Erased.Text }),
        Event<AlertAcknowledged>("Alerts", mask: e => e with { Note = Erased.Mask(e.Note) }),
        Event<ExperimentPlanned>("Experiments", mask: e => e with { Dose = Erased.Mask(e.Dose) }),
        Event<ExperimentStopped>("Experiments", mask: e => e with { Reason = Erased.Text }),
        Event<ExperimentConcluded>("Experiments"),
        Event<RecordErased>("Erasure"),
    ];

    public static IReadOnlyList<Type> Types { get; } = [.. All.Select(e => e.Type)];

    /// <summary>The entries' event type names as the event log stores them (its <c>type</c> column), for queries that choose entries by type.</summary>
    public static string[] EntryTypeNames { get; } = [.. All.Where(e => e.IsEntry).Select(e => e.Type.GetEventTypeName())];

    /// <summary>The events of an alert's life: what the alert views fold.</summary>
    public static Type[] AlertTypes { get; } = [.. Types.Where(type => type.Namespace == typeof(AlertRaised).Namespace)];

    private static readonly Dictionary<Type, PatientStreamEvent> ByType = All.ToDictionary(e => e.Type);

    public static PatientStreamEvent? Of(Type type) => ByType.GetValueOrDefault(type);

    /// <summary>The short name of an entry's kind ("episode", "note"…).</summary>
    public static string EntryKindOf(IPatientEntry entry) =>
        Of(entry.GetType())?.EntryKind
        ?? throw new ArgumentOutOfRangeException(nameof(entry), entry.GetType().Name, "not an entry type of the catalogue");

    /// <summary>Registers every event type of the stream with Marten.</summary>
    public static StoreOptions AddPatientStreamEvents(this StoreOptions options)
    {
        options.Events.AddEventTypes(Types);
        return options;
    }

    /// <summary>Registers erasure's masking rules: one per event type that carries personal data (names, email
    /// addresses, free-text details, reasons and notes). They run only when an erasure asks Marten to mask a stream.</summary>
    public static StoreOptions AddPersonalDataMasking(this StoreOptions options)
    {
        foreach (var @event in All)
        {
            @event.Mask?.Invoke(options);
        }

        return options;
    }

    private static PatientStreamEvent Event<TEvent>(string capability, string? entryKind = null, Func<TEvent, TEvent>? mask = null)
        where TEvent : class =>
        new(typeof(TEvent), capability, entryKind,
            mask is null ? null : options => options.Events.AddMaskingRuleForProtectedInformation(mask));
}
