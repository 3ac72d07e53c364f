using System.Diagnostics;
using Hangfire.Common;
using Hangfire.Server;

namespace EventHealth.Hosting;

/// <summary>
/// Wraps every Hangfire job in a span and records its duration and outcome, with one log line per job.
/// The job's name (class.method) is the only tag: arguments may name records and stay out.
/// </summary>
public sealed partial class JobTelemetryFilter(ILogger<JobTelemetryFilter> logger) : JobFilterAttribute, IServerFilter
{
    private const string ActivityKey = "eventhealth.activity";
    private const string StartedKey = "eventhealth.started";

    public void OnPerforming(PerformingContext context)
    {
        var job = NameOf(context.BackgroundJob.Job);
        var activity = EventHealthTelemetry.Source.StartActivity($"job {job}");
        activity?.SetTag("hangfire.job.name", job);
        activity?.SetTag("hangfire.job.id", context.BackgroundJob.Id);
        context.Items[ActivityKey] = activity;
        context.Items[StartedKey] = Stopwatch.GetTimestamp();
    }

    public void OnPerformed(PerformedContext context)
    {
        var job = NameOf(context.BackgroundJob.Job);
        var succeeded = context.Exception is null || context.ExceptionHandled;
        var elapsed = context.Items.TryGetValue(StartedKey, out var started) && started is long ticks ? Stopwatch.GetElapsedTime(ticks) : TimeSpan.Zero;
        EventHealthTelemetry.JobFinished(job, succeeded, elapsed);
        if (context.Items.TryGetValue(ActivityKey, out var value) && value is Activity activity)
        {
            if (!succeeded)
            {
                activity.SetStatus(ActivityStatusCode.Error, context.Exception?.GetType().Name);
            }

            activity.Dispose();
        }

        Performed(logger, job, context.BackgroundJob.Id, succeeded ? "succeeded" : "failed", Math.Round(elapsed.TotalSeconds, 3));
    }

    private static string NameOf(Job? job) => job is null ? "unknown" : $"{job.Type.Name}.{job.Method.Name}";

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Job {Job} ({JobId}) {Outcome} in {Seconds} s")]
    private static partial void Performed(ILogger logger, string job, string jobId, string outcome, double seconds);
}
