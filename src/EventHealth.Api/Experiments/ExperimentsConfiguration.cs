
namespace EventHealth.Experiments;

public static class ExperimentsConfiguration
{
    /// <summary>
    /// The experiment events join the patient's stream; the write model (<see cref="Recording.PatientRecord"/>) folds them
    /// inline, reads replay the stream, Wolverine finds the endpoints. The one job: concluding finished experiments.
    /// </summary>
    public static IHostApplicationBuilder AddExperiments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ConcludeFinishedExperiments>();
        builder.Services.Configure<ExperimentsSettings>(builder.Configuration.GetSection(ExperimentsSettings.Section));
        builder.Services.AddHostedService<ExperimentsSchedule>();
        return builder;
    }
}
