using EventHealth.Access;
using EventHealth.Alerts;
using EventHealth.Backtest;
using EventHealth.Daily;
using EventHealth.Detection;
using EventHealth.Digest;
using EventHealth.Email;
using EventHealth.Erasure;
using EventHealth.Experiments;
using EventHealth.Hosting;
using EventHealth.Http;
using EventHealth.Projections;
using EventHealth.Recording;
using EventHealth.Sharding;
using EventHealth.Timeline;
using JasperFx;

// Minting a development token needs configuration only: answer before any host (and database) exists.
if (MintTokenCommand.Matches(args))
{
    return MintTokenCommand.Run(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddStructuredLogging();
builder.AddTelemetry();
builder.AddEventStore();
builder.AddSharding();
builder.AddMessaging();
builder.AddScheduling();
builder.AddEmail();
builder.AddHttpSurface();
builder.AddAccess();
builder.AddJsonSetup();
builder.AddRecording();
builder.AddTimeline();
builder.AddDailySummaries();
builder.AddProjectionVerification();
builder.AddDetection();
builder.AddAlertEmails();
builder.AddBacktest();
builder.AddWeeklyDigest();
builder.AddExperiments();
builder.AddErasure();

var app = builder.Build();

app.UseHttpSurface();
app.MapHealthEndpoints();
app.UseScheduling();

// A plain start runs the host itself: JasperFx's command runner would first search seven assemblies for verbs and
// print a line for each. Verbs (`resources setup`, `backtest`, `rebuild-projections`, `describe`…) go through it.
if (args.Length == 0)
{
    await app.RunAsync();
    return 0;
}

return await app.RunJasperFxCommands(args);

/// <summary>Entry point marker, used by the test host.</summary>
public partial class Program;
