using JasperFx.Events.Projections;
using Marten;

namespace EventHealth.Daily;

public static class DailyConfiguration
{
    /// <summary>
    /// Daily summaries are an async projection (run by Wolverine's projection agents): no write decision depends on
    /// them, and a write should not wait for its day's totals. Readers see <c>projectedThroughVersion</c> next to
    /// <c>streamVersion</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDailySummaries(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            options.Schema.For<PatientDays>();
            options.Schema.For<PatientMonth>().Index(month => month.PatientId);
            options.Projections.Add(new DailySummariesProjection(), ProjectionLifecycle.Async, DailySummariesProjection.Name, async =>
            {
                async.DeleteViewTypeOnTeardown<PatientDays>();
                async.DeleteViewTypeOnTeardown<PatientMonth>();
            });
        });
        return builder;
    }
}
