namespace EventHealth.Recording;

/// <summary>The short names of entry types, as used by routes and by the batch's "type" field.</summary>
public static class EntryKinds
{
    public const string Episode = "episode";
    public const string Cramp = "cramp";
    public const string Trigger = "trigger";
    public const string Sleep = "sleep";
    public const string Intake = "intake";
    public const string Intervention = "intervention";
    public const string Symptom = "symptom";

    /// <summary>A clinician's note (its own route; not a batch type).</summary>
    public const string Note = "note";

    /// <summary>Every kind an entry of a record can have, the patient's and clinicians' notes, in the stream catalogue's order.</summary>
    public static readonly IReadOnlyList<string> AllWithNotes = [.. PatientStreamEvents.All.Where(e => e.IsEntry).Select(e => e.EntryKind!)];

    /// <summary>The patient's kinds: the batch's types and the routes of the patient's entries.</summary>
    public static readonly IReadOnlyList<string> All = [.. AllWithNotes.Where(kind => kind != Note)];

    /// <summary>The kind of an entry, as the stream's catalogue names it (<see cref="PatientStreamEvents"/>).</summary>
    public static string Of(IPatientEntry entry) => PatientStreamEvents.EntryKindOf(entry);
}
