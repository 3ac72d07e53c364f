using EventHealth.Http;

namespace EventHealth.Experiments;

/// <summary>The problems only this slice answers.</summary>
public static class ExperimentProblems
{
    public static IResult NotFound(Guid experimentId) =>
        Problems.Result(StatusCodes.Status404NotFound, "experiment-not-found", "Experiment not found.",
            $"The record has no experiment {experimentId}.", "experimentId");
}
