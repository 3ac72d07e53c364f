namespace EventHealth.Recording;

public enum EntryStatus
{
    Created,
    Duplicate,
}

/// <summary>What became of one entry of a write: stored now, or recognised as already stored.</summary>
public sealed record EntryOutcome(int Index, Guid EntryId, string Kind, EntryStatus Status, long Version,
    DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, IPatientEntry? NewEvent);

/// <summary>The entries of a write decided against the record: either all outcomes, or the first conflicting index.</summary>
public sealed record EntriesDecision(IReadOnlyList<EntryOutcome> Outcomes, int? ConflictIndex)
{
    public IReadOnlyList<IPatientEntry> NewEvents => Outcomes.Where(o => o.NewEvent is not null).Select(o => o.NewEvent!).ToList();
}

/// <summary>Pure decisions of the write side: same inputs, same answer; no database, no clock.</summary>
public static class RecordingDecisions
{
    /// <summary>
    /// Decides each entry against the entries already recorded (by id) and the ones earlier in the same write.
    /// Same id and same content: a duplicate, answered with the first result. Same id, other content: a conflict.
    /// New entries get consecutive stream versions after <paramref name="currentVersion"/>.
    /// </summary>
    public static EntriesDecision DecideEntries(
        IReadOnlyList<IPatientEntry> entries,
        IReadOnlyDictionary<Guid, RecordedEntry> alreadyRecorded,
        long currentVersion,
        DateTimeOffset now)
    {
        var outcomes = new List<EntryOutcome>(entries.Count);
        var inThisWrite = new Dictionary<Guid, (IPatientEntry Entry, EntryOutcome Outcome)>();
        var nextVersion = currentVersion;

        // A fingerprint (the entry serialized and hashed) is worked out only for an id seen before: most entries of a
        // write are new and need none. The benchmark could not see the saving (docs/benchmarks.md, issue 23's twelfth pass).
        for (var index = 0; index < entries.Count; index++)
        {
            var entry = entries[index];
            var kind = EntryKinds.Of(entry);

            if (alreadyRecorded.TryGetValue(entry.EntryId, out var recorded))
            {
                if (recorded.Fingerprint != Fingerprint.Of(entry))
                {
                    return new EntriesDecision(outcomes, index);
                }

                outcomes.Add(new EntryOutcome(index, entry.EntryId, recorded.Kind, EntryStatus.Duplicate, recorded.Version,
                    recorded.OccurredAt, recorded.RecordedAt, null));
            }
            else if (inThisWrite.TryGetValue(entry.EntryId, out var earlier))
            {
                if (Fingerprint.Of(earlier.Entry) != Fingerprint.Of(entry))
                {
                    return new EntriesDecision(outcomes, index);
                }

                outcomes.Add(earlier.Outcome with { Index = index, Status = EntryStatus.Duplicate, NewEvent = null });
            }
            else
            {
                var created = new EntryOutcome(index, entry.EntryId, kind, EntryStatus.Created, ++nextVersion,
                    entry.OccurredAt, now, entry);
                inThisWrite[entry.EntryId] = (entry, created);
                outcomes.Add(created);
            }
        }

        return new EntriesDecision(outcomes, null);
    }

    /// <summary>
    /// The changes a merge-patch of contact details makes to the profile; null when it changes nothing
    /// (a repeated PATCH is then a no-op rather than a new event).
    /// </summary>
    public static ContactDetailsChanged? DecideContactChange(PatientRecord current, ChangeContactDetails patch)
    {
        var changed = new ContactDetailsChanged(
            Email: patch.Email is { } email && email != current.Email ? email : null,
            ClinicianEmail: patch.ClinicianEmail is { Length: > 0 } clinician && clinician != current.ClinicianEmail ? clinician : null,
            ClinicianEmailRemoved: patch.RemoveClinicianEmail && current.ClinicianEmail is not null,
            TimeZone: patch.TimeZone is { } zone && (Http.FieldErrors.CanonicalTimeZone(zone) ?? zone) is var canonical && canonical != current.TimeZone ? canonical : null,
            AlertEmails: patch.AlertEmails is { } alerts && alerts != current.AlertEmails ? alerts : null);

        return changed == new ContactDetailsChanged() ? null : changed;
    }
}
