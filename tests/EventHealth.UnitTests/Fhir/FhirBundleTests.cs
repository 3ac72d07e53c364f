using EventHealth.Fhir;
using EventHealth.Recording;
using EventHealth.UnitTests.Detection;
using Hl7.Fhir.Model;
using JasperFx.Events;

namespace EventHealth.UnitTests.Fhir;

public sealed class FhirBundleTests
{
    private static PatientRecord Record(RecordBuilder builder) => PatientRecord.Create((IEvent<PatientEnrolled>)builder.Events[0]);

    [Fact]
    public void The_same_record_exports_the_same_urls_and_resources()
    {
        var builder = new RecordBuilder();
        builder.Episode(1);
        builder.Note(1);
        var first = FhirBundle.Build(Record(builder), builder.Version, builder.Events, RecordBuilder.Now);
        var second = FhirBundle.Build(Record(builder), builder.Version, builder.Events, RecordBuilder.Now);

        second.Entry.Select(e => e.FullUrl).ShouldBe(first.Entry.Select(e => e.FullUrl));
        first.Entry.Select(e => e.FullUrl).ShouldAllBe(url => url!.StartsWith("urn:uuid:", StringComparison.Ordinal));
        first.Entry.Select(e => e.Resource!.TypeName).ShouldBe(["Patient", "Practitioner", "Observation", "Observation"]);
    }

    [Fact]
    public void A_retracted_entry_is_entered_in_error_with_its_reason_and_a_note_is_performed_by_its_clinician()
    {
        var builder = new RecordBuilder();
        var episode = builder.Episode(2);
        var note = builder.Note(1, "dr-kim");
        builder.Retract(episode);
        var bundle = FhirBundle.Build(Record(builder), builder.Version, builder.Events, RecordBuilder.Now);

        var observations = bundle.Entry.Select(e => e.Resource).OfType<Observation>().ToDictionary(o => o.Identifier.Single().Value!);
        observations[episode.ToString()].Status.ShouldBe(ObservationStatus.EnteredInError);
        observations[episode.ToString()].Note.ShouldHaveSingleItem().Text.ShouldBe("Retracted: mistake");
        var clinician = bundle.Entry.Single(e => e.Resource is Practitioner p && p.Identifier.Any(i => i.Value == "dr-kim"));
        observations[note.ToString()].Performer.ShouldHaveSingleItem().Reference.ShouldBe(clinician.FullUrl);
        observations[note.ToString()].Status.ShouldBe(ObservationStatus.Final);
    }

    [Fact]
    public void Urls_are_name_based_uuids_distinct_per_kind_of_thing()
    {
        var id = Guid.NewGuid().ToString();
        FhirBundle.Url("entry", id).ShouldBe(FhirBundle.Url("entry", id));
        FhirBundle.Url("entry", id).ShouldNotBe(FhirBundle.Url("alert", id));
        Guid.Parse(FhirBundle.Url("entry", id)["urn:uuid:".Length..]).ToString()[14].ShouldBe('5');
    }
}
