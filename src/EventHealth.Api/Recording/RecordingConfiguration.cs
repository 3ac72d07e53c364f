using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace EventHealth.Recording;

public static class RecordingConfiguration
{
    /// <summary>
    /// The write model and entry index are inline: a write must see the previous write at once (idempotency,
    /// optimistic versions), so they commit in the same transaction as the events.
    /// </summary>
    public static IHostApplicationBuilder AddRecording(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            options.Events.AddEventTypes([
                typeof(PatientEnrolled), typeof(ContactDetailsChanged), typeof(TwitchEpisodeRecorded), typeof(CrampRecorded),
                typeof(TriggerReported), typeof(SleepLogged), typeof(IntakeLogged), typeof(InterventionApplied),
                typeof(NeurologicalSymptomReported), typeof(EntryRetracted),
            ]);
            options.Projections.Snapshot<PatientRecord>(SnapshotLifecycle.Inline);
            options.Projections.Add<RecordedEntryProjection>(ProjectionLifecycle.Inline);
            options.Schema.For<RecordedEntry>().Index(entry => entry.PatientId);
        });
        return builder;
    }
}
