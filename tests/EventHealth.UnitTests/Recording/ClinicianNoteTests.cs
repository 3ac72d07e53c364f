using EventHealth.Daily;
using EventHealth.Recording;
using EventHealth.UnitTests.Detection;

namespace EventHealth.UnitTests.Recording;

/// <summary>A clinician's note is an entry of the record, but not something the patient lived: no figure counts it.</summary>
public sealed class ClinicianNoteTests
{
    [Fact]
    public void Detection_facts_and_daily_summaries_leave_notes_out()
    {
        var builder = new RecordBuilder();
        builder.Note(20);
        var episode = builder.Episode(1);

        var facts = builder.Facts();
        facts.Entries.Select(f => f.EntryId).ShouldBe([episode]);
        facts.ObservationStart.ShouldBe(DateOnly.FromDateTime(RecordBuilder.DaysAgo(1).UtcDateTime));

        var days = new PatientDays();
        foreach (var data in builder.Events.Select(e => e.Data))
        {
            switch (data)
            {
                case IPatientEntry entry:
                    days.Add(entry);
                    break;
            }
        }

        var months = new Dictionary<string, PatientMonth>(StringComparer.Ordinal);
        PatientMonth.ApplyAll(months, Guid.NewGuid(), days.TakeChanges());
        months.Values.SelectMany(m => m.Days.Values).Sum(d => d.Entries).ShouldBe(1);
    }

    [Fact]
    public void A_note_has_its_own_kind_and_a_summary_naming_its_author() =>
        Timeline.EntrySummaries.Describe(new ClinicianNoteAdded(Guid.NewGuid(), RecordBuilder.Now, "dr-lee", "Reviewed."))
            .ShouldBe("Note from clinician dr-lee: Reviewed.");
}
