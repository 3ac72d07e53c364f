using System.Reflection;
using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests.Recording;

/// <summary>The stream's catalogue lists every event type of a patient's stream, once.</summary>
public sealed class PatientStreamEventsTests
{
    private static readonly Assembly Api = typeof(PatientRecord).Assembly;

    [Fact]
    public void Every_entry_type_in_the_assembly_is_catalogued_as_an_entry_with_its_own_kind()
    {
        var entryTypes = Api.GetTypes().Where(t => typeof(IPatientEntry).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false }).ToList();
        entryTypes.ShouldNotBeEmpty();
        foreach (var type in entryTypes)
        {
            PatientStreamEvents.Of(type).ShouldNotBeNull($"{type.Name} is not in the catalogue").IsEntry.ShouldBeTrue(type.Name);
        }

        PatientStreamEvents.All.Where(e => e.IsEntry).Select(e => e.Type).ShouldBe(entryTypes, ignoreOrder: true);
    }

    [Fact]
    public void Every_event_type_that_a_fold_of_the_stream_applies_is_catalogued()
    {
        // The write model, the projections and the folds of detection and experiments take events as Apply/Create
        // parameters (bare or as IEvent<T>): any such type of this assembly must be in the catalogue.
        var applied = Api.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.Name is "Apply" or "Create" or "Evolve")
            .SelectMany(m => m.GetParameters().Take(1))
            .Select(p => p.ParameterType is { IsGenericType: true } generic && generic.GetGenericTypeDefinition() == typeof(IEvent<>)
                ? generic.GetGenericArguments()[0]
                : p.ParameterType)
            .Where(t => t.Assembly == Api && t != typeof(IPatientEntry) && IsEventShaped(t) && !IsDocument(t))
            .Distinct()
            .ToList();

        applied.ShouldContain(typeof(PatientEnrolled));
        applied.Where(t => PatientStreamEvents.Of(t) is null).Select(t => t.Name).ShouldBeEmpty();
    }

    [Fact]
    public void Each_event_type_is_listed_once_and_is_a_sealed_record()
    {
        PatientStreamEvents.Types.Distinct().Count().ShouldBe(PatientStreamEvents.All.Count);
        foreach (var type in PatientStreamEvents.Types)
        {
            (IsEventShaped(type) && !IsDocument(type)).ShouldBeTrue(type.Name);
        }
    }

    [Fact]
    public void Entry_kinds_come_from_the_catalogue()
    {
        EntryKinds.All.ShouldBe([EntryKinds.Episode, EntryKinds.Cramp, EntryKinds.Trigger, EntryKinds.Sleep, EntryKinds.Intake, EntryKinds.Intervention, EntryKinds.Symptom]);
        EntryKinds.AllWithNotes.ShouldBe([.. EntryKinds.All, EntryKinds.Note]);
        EntryKinds.AllWithNotes.ShouldBeUnique();
        PatientStreamEvents.AlertTypes.Select(t => t.Name).ShouldBe(["AlertRaised", "AlertNotificationSent", "AlertNotificationFailed", "AlertAcknowledged"]);
        EntryKinds.Of(new ClinicianNoteAdded(Guid.NewGuid(), DateTimeOffset.UnixEpoch, "dr-1", "text")).ShouldBe(EntryKinds.Note);
        Should.Throw<ArgumentOutOfRangeException>(() => EntryKinds.Of(new NotCatalogued()));
    }

    [Fact]
    public void The_event_types_with_personal_data_have_a_masking_rule()
    {
        PatientStreamEvents.All.Where(e => e.CarriesPersonalData).Select(e => e.Type.Name).ShouldBe([
            "PatientEnrolled", "ContactDetailsChanged", "TriggerReported", "InterventionApplied", "ClinicianNoteAdded", "EntryRetracted",
            "AlertNotificationSent", "AlertNotificationFailed", "AlertAcknowledged", "ExperimentPlanned", "ExperimentStopped",
        ]);
    }

    // Events are sealed records (value equality, `with` for masking); a sealed record has a compiler-made EqualityContract.
    private static bool IsEventShaped(Type type) =>
        type is { IsClass: true, IsSealed: true } && type.GetProperty("EqualityContract", BindingFlags.NonPublic | BindingFlags.Instance) is not null;

    /// <summary>Marten documents (folds' results, such as the write model) have an Id; events do not.</summary>
    private static bool IsDocument(Type type) => type.GetProperty("Id") is not null;

    private sealed record NotCatalogued : IPatientEntry
    {
        public Guid EntryId => Guid.Empty;

        public DateTimeOffset OccurredAt => DateTimeOffset.UnixEpoch;
    }
}
