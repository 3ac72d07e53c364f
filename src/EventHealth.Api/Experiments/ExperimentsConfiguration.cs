using Marten;

namespace EventHealth.Experiments;

public static class ExperimentsConfiguration
{
    /// <summary>
    /// The experiment events join the patient's stream. Nothing else to register: the write model
    /// (<see cref="Recording.PatientRecord"/>) folds them inline, reads replay the stream, and Wolverine finds the endpoints.
    /// </summary>
    public static IHostApplicationBuilder AddExperiments(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
            options.Events.AddEventTypes([typeof(ExperimentPlanned), typeof(ExperimentStopped), typeof(ExperimentConcluded)]));
        return builder;
    }
}
