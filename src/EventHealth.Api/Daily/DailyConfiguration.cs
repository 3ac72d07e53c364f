using JasperFx.Events.Projections;
using Marten;

namespace EventHealth.Daily;

public static class DailyConfiguration
{
    /// <summary>
    /// Daily summaries are an async projection (run by Wolverine's projection agents): rebuilding a day touches
    /// the patient's whole summary document, which would slow every write if it were inline, and no write decision
    /// depends on it. Readers see <c>projectedThroughVersion</c> next to <c>streamVersion</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDailySummaries(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options => options.Projections.Snapshot<PatientDays>(SnapshotLifecycle.Async));
        return builder;
    }
}
