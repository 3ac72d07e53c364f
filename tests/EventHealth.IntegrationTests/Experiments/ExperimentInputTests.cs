using System.Net;
using System.Text.Json.Nodes;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Experiments;

/// <summary>Bad input on the experiment routes: one problem naming every offending field, never a 500, never a stored event.</summary>
[Collection(ApiCollection.Name)]
public sealed class ExperimentInputTests(AppFixture app)
{
    [Fact]
    public async Task A_bad_plan_names_every_offending_field_and_stores_nothing()
    {
        var patientId = await app.Host.EnrollAsync();
        var before = await app.Host.EventCountAsync(patientId);
        var plan = new JsonObject
        {
            ["experimentId"] = Guid.Empty.ToString(), ["intervention"] = "stretching", ["comparison"] = "stretching", ["dose"] = new string('x', 101),
            ["periodDays"] = 15, ["pairs"] = 1, ["washoutDays"] = 4,
        };

        var (status, problem, contentType) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", plan.ToJsonString());

        status.ShouldBe(HttpStatusCode.BadRequest);
        contentType.ShouldBe("application/problem+json");
        problem.ProblemFields().ShouldBe(["comparison", "dose", "experimentId", "pairs", "periodDays", "washoutDays"], ignoreOrder: true);

        var missing = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments", "{}");
        missing.Body.ProblemFields().ShouldBe(["experimentId", "intervention", "pairs", "periodDays"], ignoreOrder: true);

        var (washoutStatus, washout, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments",
            new JsonObject { ["experimentId"] = Guid.NewGuid().ToString(), ["intervention"] = "heat-therapy", ["periodDays"] = 3, ["pairs"] = 2, ["washoutDays"] = 3 }.ToJsonString());
        washoutStatus.ShouldBe(HttpStatusCode.BadRequest);
        washout.ProblemFields().ShouldBe(["washoutDays"]);

        var (pastStatus, past, _) = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments",
            new JsonObject { ["experimentId"] = Guid.NewGuid().ToString(), ["intervention"] = "heat-therapy", ["periodDays"] = 3, ["pairs"] = 2, ["startDate"] = "2020-01-06" }.ToJsonString());
        pastStatus.ShouldBe(HttpStatusCode.BadRequest, "a plan is fixed before any outcome is seen");
        past.ProblemFields().ShouldBe(["startDate"]);

        var unknown = Guid.NewGuid();
        var stop = await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments/{unknown}/stop", "{\"reason\":\"x\"}");
        stop.Status.ShouldBe(HttpStatusCode.NotFound);
        stop.Body.ProblemFields().ShouldBe(["experimentId"]);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments/{unknown}/stop", "{}")).Body.ProblemFields().ShouldBe(["reason"]);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments/{unknown}/conclusion", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/experiments/{unknown}", null)).Status.ShouldBe(HttpStatusCode.NotFound);
        (await app.Host.SendRawAsync(HttpMethod.Get, $"/api/patients/{patientId}/experiments/{unknown}/analysis", null)).Status.ShouldBe(HttpStatusCode.NotFound);

        (await app.Host.EventCountAsync(patientId)).ShouldBe(before);
    }

    [Fact]
    public async Task A_running_experiment_cannot_be_concluded_and_a_stopped_one_can_once()
    {
        var patientId = await app.Host.EnrollAsync();
        var experimentId = Guid.NewGuid();
        var url = $"/api/patients/{patientId}/experiments/{experimentId}";
        (await app.Host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/experiments",
            new JsonObject { ["experimentId"] = experimentId.ToString(), ["intervention"] = "breathing", ["periodDays"] = 3, ["pairs"] = 2 }.ToJsonString()))
            .Status.ShouldBe(HttpStatusCode.Created);

        var early = await app.Host.SendRawAsync(HttpMethod.Post, $"{url}/conclusion", null);
        early.Status.ShouldBe(HttpStatusCode.Conflict);
        early.Body.GetProperty("type").GetString()!.ShouldEndWith("/experiment-not-finished");

        (await app.Host.SendRawAsync(HttpMethod.Post, $"{url}/stop", "{\"reason\":\"travelling\"}")).Status.ShouldBe(HttpStatusCode.Created);
        (await app.Host.SendRawAsync(HttpMethod.Post, $"{url}/stop", "{\"reason\":\"travelling\"}")).Status.ShouldBe(HttpStatusCode.Conflict);
        var concluded = await app.Host.SendRawAsync(HttpMethod.Post, $"{url}/conclusion", null);
        concluded.Status.ShouldBe(HttpStatusCode.Created);
        var analysis = concluded.Body.GetProperty("analysis");
        analysis.GetProperty("stoppedEarly").GetBoolean().ShouldBeTrue();
        analysis.GetProperty("asPlanned").GetProperty("pairs").GetInt32().ShouldBe(0);
        analysis.GetProperty("verdict").GetString()!.ShouldStartWith("no pair of periods has analysable days on both sides");
        (await app.Host.SendRawAsync(HttpMethod.Post, $"{url}/conclusion", null)).Status.ShouldBe(HttpStatusCode.OK);
        var (_, view, _) = await app.Host.SendRawAsync(HttpMethod.Get, url, null);
        view.GetProperty("status").GetString().ShouldBe("concluded");
        view.GetProperty("stop").GetProperty("reason").GetString().ShouldBe("travelling");
    }
}
