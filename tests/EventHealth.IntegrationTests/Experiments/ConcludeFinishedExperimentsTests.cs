using System.Net;
using System.Text.Json.Nodes;
using EventHealth.Experiments;
using EventHealth.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Experiments;

/// <summary>The scheduled job appends the analysis once the last period is over, through the route's own decision.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConcludeFinishedExperimentsTests(AppFixture app)
{
    private static readonly DateTimeOffset Planned = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(-30).AddHours(9);

    [Fact]
    public async Task A_finished_experiment_is_concluded_by_the_job_and_a_running_one_is_not()
    {
        var patientId = Guid.NewGuid();
        var experimentId = Guid.NewGuid();
        var url = $"/api/patients/{patientId}/experiments/{experimentId}";
        using (app.Clock.Set(Planned))
        {
            (await app.Host.SendRawAsync(HttpMethod.Post, "/api/patients", Records.Enrollment(patientId).With("timeZone", "UTC").ToJsonString())).Status.ShouldBe(HttpStatusCode.Created);
            (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments",
                new JsonObject { ["experimentId"] = experimentId.ToString(), ["intervention"] = "stretching", ["periodDays"] = 3, ["pairs"] = 2 }.ToJsonString()))
                .Status.ShouldBe(HttpStatusCode.Created);

            // The last day (day 12 from tomorrow) is today: not over yet, so not due.
            app.Clock.MoveTo(Planned.AddDays(12));
            await RunJobAsync();
            (await StatusAsync(url)).ShouldBe("running");

            app.Clock.MoveTo(Planned.AddDays(13));
            (await StatusAsync(url)).ShouldBe("finished");
            await RunJobAsync();
            (await StatusAsync(url)).ShouldBe("concluded");
        }

        var view = (await app.Host.SendRawAsync(HttpMethod.Get, url, null)).Body;
        view.GetProperty("status").GetString().ShouldBe("concluded");
        view.GetProperty("analysis").GetProperty("lastDayAnalysed").GetString().ShouldBe(view.GetProperty("lastDay").GetString());
        var history = (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/history", null)).Body.GetProperty("events").EnumerateArray().ToList();
        history.Single(e => e.GetProperty("type").GetString() == "ExperimentConcluded").GetProperty("actor").GetString().ShouldBe(ConcludeFinishedExperiments.Actor);
        var events = history.Count;
        await RunJobAsync();
        (await app.Host.EventCountAsync(patientId)).ShouldBe(events, "concluded once");
    }

    private async Task RunJobAsync()
    {
        await using var scope = app.Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ConcludeFinishedExperiments>().RunAsync(CancellationToken.None);
    }

    private async Task<string?> StatusAsync(string url) =>
        (await app.Host.SendRawAsync(HttpMethod.Get, url, null)).Body.GetProperty("status").GetString();
}
