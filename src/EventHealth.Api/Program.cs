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
builder.AddMessaging();
builder.AddScheduling();
builder.AddEmail();
builder.AddHttpSurface();
builder.AddAccess();
builder.AddJsonSetup();
builder.AddRecording();
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

// JasperFx command line: `dotnet run -- resources setup`, `codegen`, `describe`, or plain run.
return await app.RunJasperFxCommands(args);

/// <summary>Entry point marker, used by the test host.</summary>
public partial class Program;
