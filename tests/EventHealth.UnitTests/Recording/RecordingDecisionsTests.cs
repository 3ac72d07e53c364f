using EventHealth.Recording;

namespace EventHealth.UnitTests.Recording;

public sealed class RecordingDecisionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 29, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid PatientId = Guid.NewGuid();

    private static IntakeLogged Intake(Guid entryId, int water) => new(entryId, Now.AddHours(-1), water, null);

    private static RecordedEntry AlreadyRecorded(IntakeLogged entry, long version) => new()
    {
        Id = RecordedEntry.IdFor(PatientId, entry.EntryId),
        PatientId = PatientId,
        EntryId = entry.EntryId,
        Kind = EntryKinds.Of(entry),
        Fingerprint = Fingerprint.Of(entry),
        Version = version,
        OccurredAt = entry.OccurredAt,
        RecordedAt = Now.AddDays(-1),
        SortKey = RecordedEntry.SortKeyFor(entry.OccurredAt, entry.EntryId),
        Summary = "intake",
    };

    [Fact]
    public void New_entries_get_consecutive_versions_after_the_current_one()
    {
        var decision = RecordingDecisions.DecideEntries([Intake(Guid.NewGuid(), 100), Intake(Guid.NewGuid(), 200)], new Dictionary<Guid, RecordedEntry>(), 7, Now);

        decision.ConflictIndex.ShouldBeNull();
        decision.Outcomes.Select(o => o.Version).ShouldBe([8L, 9L]);
        decision.Outcomes.ShouldAllBe(o => o.Status == EntryStatus.Created && o.RecordedAt == Now);
        decision.NewEvents.Count.ShouldBe(2);
    }

    [Fact]
    public void The_same_entry_again_is_a_duplicate_answered_with_the_first_result()
    {
        var entry = Intake(Guid.NewGuid(), 300);
        var earlier = AlreadyRecorded(entry, 4);

        var decision = RecordingDecisions.DecideEntries([entry], new Dictionary<Guid, RecordedEntry> { [entry.EntryId] = earlier }, 9, Now);

        var outcome = decision.Outcomes.ShouldHaveSingleItem();
        outcome.Status.ShouldBe(EntryStatus.Duplicate);
        outcome.Version.ShouldBe(4);
        outcome.RecordedAt.ShouldBe(earlier.RecordedAt);
        decision.NewEvents.ShouldBeEmpty();
    }

    [Fact]
    public void The_same_id_with_different_content_is_a_conflict_at_its_index()
    {
        var entryId = Guid.NewGuid();
        var earlier = AlreadyRecorded(Intake(entryId, 300), 4);

        var decision = RecordingDecisions.DecideEntries([Intake(Guid.NewGuid(), 1), Intake(entryId, 301)],
            new Dictionary<Guid, RecordedEntry> { [entryId] = earlier }, 9, Now);

        decision.ConflictIndex.ShouldBe(1);
    }

    [Fact]
    public void Repeats_inside_one_write_collapse_and_different_content_under_one_id_conflicts()
    {
        var entry = Intake(Guid.NewGuid(), 500);
        var repeated = RecordingDecisions.DecideEntries([entry, entry], new Dictionary<Guid, RecordedEntry>(), 1, Now);
        repeated.Outcomes.Select(o => o.Status).ShouldBe([EntryStatus.Created, EntryStatus.Duplicate]);
        repeated.Outcomes.Select(o => o.Version).ShouldBe([2L, 2L]);
        repeated.NewEvents.Count.ShouldBe(1);

        var conflicting = RecordingDecisions.DecideEntries([entry, entry with { WaterMl = 501 }], new Dictionary<Guid, RecordedEntry>(), 1, Now);
        conflicting.ConflictIndex.ShouldBe(1);
    }

    [Fact]
    public void Fingerprints_depend_on_content_and_type_only()
    {
        var entryId = Guid.NewGuid();
        Fingerprint.Of(Intake(entryId, 10)).ShouldBe(Fingerprint.Of(Intake(entryId, 10)));
        Fingerprint.Of(Intake(entryId, 10)).ShouldNotBe(Fingerprint.Of(Intake(entryId, 11)));
        Fingerprint.Of(new EntryRetracted(entryId, "x")).ShouldNotBe(Fingerprint.Of(new EntryRetracted(entryId, "y")));
    }

    [Fact]
    public void A_fingerprint_is_the_sha256_of_the_type_name_and_the_json_in_utf8()
    {
        // Pinned: fingerprints are stored with every entry, so the formula may never drift.
        var retracted = new EntryRetracted(Guid.Parse("00000000-0000-0000-0000-000000000001"), "crampe à 3 h — 🌙");
        var (json, fingerprint) = Fingerprint.WithJson(retracted);

        json.ShouldBe(System.Text.Json.JsonSerializer.Serialize(retracted, EventHealth.Http.JsonSetup.Options));
        json.ShouldBe("""
            {"entryId":"00000000-0000-0000-0000-000000000001","reason":"crampe \u00E0 3 h \u2014 \uD83C\uDF19","requestReference":null}
            """);
        fingerprint.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("EntryRetracted:" + json))));
        fingerprint.ShouldBe("1ca17ec6172cb58e63d5fae15169b3f16a3c162ab49819011c6b41ad78fe5f93");
        Fingerprint.Of(retracted).ShouldBe(fingerprint);
    }

    [Fact]
    public void The_json_and_fingerprint_are_the_serializer_s_after_a_failed_serialization_and_for_a_long_note()
    {
        // An undefined enum value fails part-way through the thread's buffer; the next call starts clean.
        Should.Throw<System.Text.Json.JsonException>(() => Fingerprint.WithJson(new TriggerReported(Guid.NewGuid(), DateTimeOffset.UnixEpoch, (TriggerKind)999, 3, "x")));
        var trigger = new TriggerReported(Guid.NewGuid(), DateTimeOffset.UnixEpoch, TriggerKind.PoorSleep, 3, "after a late shift");
        Fingerprint.WithJson(trigger).Json.ShouldBe(System.Text.Json.JsonSerializer.Serialize(trigger, EventHealth.Http.JsonSetup.Options));

        // Past the buffer the thread keeps (64 KB), twice: the buffer is dropped and made again.
        var note = new EntryRetracted(Guid.NewGuid(), new string('é', 50_000));
        for (var i = 0; i < 2; i++)
        {
            var (json, fingerprint) = Fingerprint.WithJson(note);
            json.ShouldBe(System.Text.Json.JsonSerializer.Serialize(note, EventHealth.Http.JsonSetup.Options));
            fingerprint.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("EntryRetracted:" + json))));
        }

        Fingerprint.WithJson(trigger).Json.ShouldBe(System.Text.Json.JsonSerializer.Serialize(trigger, EventHealth.Http.JsonSetup.Options));
    }

    private static PatientRecord Profile => new()
    {
        Id = PatientId,
        DisplayName = "Ana",
        Email = "ana@example.org",
        TimeZone = "Europe/Paris",
        ClinicianEmail = "dr@example.org",
        AlertEmails = false,
        EnrollmentFingerprint = "x",
    };

    [Fact]
    public void A_contact_change_records_only_what_differs()
    {
        var change = RecordingDecisions.DecideContactChange(Profile, new ChangeContactDetails("ana@example.org", null, "Europe/Lisbon", true));
        change.ShouldBe(new ContactDetailsChanged(TimeZone: "Europe/Lisbon", AlertEmails: true));
    }

    [Fact]
    public void A_contact_change_that_changes_nothing_records_nothing() =>
        RecordingDecisions.DecideContactChange(Profile, new ChangeContactDetails("ana@example.org", "dr@example.org", "Europe/Paris", false))
            .ShouldBeNull();

    [Fact]
    public void An_empty_clinician_email_removes_the_contact_once()
    {
        var removal = RecordingDecisions.DecideContactChange(Profile, new ChangeContactDetails(null, "", null, null));
        removal.ShouldBe(new ContactDetailsChanged(ClinicianEmailRemoved: true));
        var removed = Profile.Apply(removal!);
        removed.ClinicianEmail.ShouldBeNull();
        RecordingDecisions.DecideContactChange(removed, new ChangeContactDetails(null, "", null, null)).ShouldBeNull();
    }
}
