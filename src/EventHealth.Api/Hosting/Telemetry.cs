using System.Diagnostics;
using System.Diagnostics.Metrics;
using EventHealth.Access;
using Marten;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EventHealth.Hosting;

/// <summary>
/// The application's own activity source and instruments: detection runs, emails and scheduled jobs. Tags carry
/// outcomes and kinds only, never ids or record contents, so series stay few and health data stays out.
/// </summary>
public static class EventHealthTelemetry
{
    public const string Name = "EventHealth";

    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> DetectionRuns = Meter.CreateCounter<long>("eventhealth.detection.runs", "{run}", "Detection runs completed");
    private static readonly Histogram<double> DetectionRunDuration = Meter.CreateHistogram<double>("eventhealth.detection.run.duration", "s", "Duration of a detection run");
    private static readonly Counter<long> DetectionRecords = Meter.CreateCounter<long>("eventhealth.detection.records", "{record}", "Records evaluated (outcome=evaluated) or left for the next run (outcome=skipped)");
    private static readonly Counter<long> DetectionAlerts = Meter.CreateCounter<long>("eventhealth.detection.alerts", "{alert}", "Alerts raised by detection runs");
    private static readonly Counter<long> Emails = Meter.CreateCounter<long>("eventhealth.emails", "{email}", "Emails handed to SMTP (outcome=sent) or refused/failed (outcome=failed), by kind");
    private static readonly Histogram<double> EmailDuration = Meter.CreateHistogram<double>("eventhealth.email.duration", "s", "Time to hand one email to SMTP");
    private static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>("eventhealth.job.duration", "s", "Duration of a Hangfire job, by job and outcome");
    private static readonly Histogram<int> WriteGroupSizes = Meter.CreateHistogram<int>("eventhealth.write.group.size", "{change}", "Changes to records committed in one transaction (group commit)");
    private static readonly Counter<long> WriteGroupsDecidedAgain = Meter.CreateCounter<long>("eventhealth.write.group.lost_races", "{group}", "Write groups decided again after another writer changed one of their records first");

    public static void DetectionRunCompleted(int evaluated, int skipped, int alertsRaised, double seconds)
    {
        DetectionRuns.Add(1);
        DetectionRunDuration.Record(seconds);
        DetectionRecords.Add(evaluated, new KeyValuePair<string, object?>("outcome", "evaluated"));
        DetectionRecords.Add(skipped, new KeyValuePair<string, object?>("outcome", "skipped"));
        DetectionAlerts.Add(alertsRaised);
    }

    public static void WriteGroupCommitted(int changes) => WriteGroupSizes.Record(changes);

    public static void WriteGroupLostRace() => WriteGroupsDecidedAgain.Add(1);

    public static void EmailFinished(string kind, bool sent, TimeSpan elapsed)
    {
        var tags = new TagList { { "kind", kind }, { "outcome", sent ? "sent" : "failed" } };
        Emails.Add(1, tags);
        EmailDuration.Record(elapsed.TotalSeconds, tags);
    }

    public static void JobFinished(string job, bool succeeded, TimeSpan elapsed) =>
        JobDuration.Record(elapsed.TotalSeconds, new TagList { { "job", job }, { "outcome", succeeded ? "succeeded" : "failed" } });
}

public static class TelemetryConfiguration
{
    public const string OperatorPolicy = "operators";
    public const string MetricsPath = "/metrics";

    private static readonly string[] OtlpEndpointVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    /// <summary>
    /// Traces and metrics with OpenTelemetry: HTTP server and client, PostgreSQL (Npgsql), Marten, Wolverine messages,
    /// Hangfire jobs, emails and detection runs. Exported over OTLP when the standard <c>OTEL_EXPORTER_OTLP_*</c>
    /// variables name a collector, and scraped from <c>/metrics</c> (Prometheus text) by operators.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] ?? "eventhealth-api";
        var otlp = OtlpEndpointVariables.Any(name => !string.IsNullOrWhiteSpace(builder.Configuration[name]));

        // Spans are recorded only when someone receives them: an OTLP collector, or a test's exporter
        // (Telemetry:RecordTraces). Recording them for nobody cost every request an activity per middleware hop and
        // per SQL command, with its statement text (about a tenth of the API's allocations on the append path,
        // docs/benchmarks.md). Metrics are always kept: /metrics reads them.
        var recordTraces = otlp || builder.Configuration.GetValue<bool>("Telemetry:RecordTraces");
        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(resource => resource.AddService(serviceName));
        if (recordTraces)
        {
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(http =>
                {
                    // Probes and scrapes would drown the traces that matter.
                    http.Filter = context => !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments(MetricsPath);
                })
                .AddHttpClientInstrumentation()
                // Npgsql.OpenTelemetry: SQL text (db.query.text) with parameter placeholders, never parameter values.
                .AddNpgsql()
                .AddSource("Marten")
                .AddSource("Wolverine")
                .AddSource(EventHealthTelemetry.Name));
        }

        telemetry
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter("Marten")
                // Wolverine names its meter "Wolverine:<service name>": messages sent, succeeded, failed, inbox and outbox counts.
                .AddMeter("Wolverine*")
                .AddMeter(EventHealthTelemetry.Name)
                .AddPrometheusExporter());

        if (otlp)
        {
            // Endpoint, protocol, headers and intervals come from the OTEL_* variables themselves.
            telemetry.UseOtlpExporter();
        }

        builder.Services.ConfigureMarten(options =>
        {
            options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
            options.OpenTelemetry.TrackEventCounters();
        });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Operator));
        return builder;
    }

    /// <summary><c>/metrics</c>: Prometheus text, for the operator role only (a scraper sends an operator's bearer token).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(OperatorPolicy).ExcludeFromDescription();
        return app;
    }
}
