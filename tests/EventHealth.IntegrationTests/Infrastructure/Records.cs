using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Test-side shortcuts for driving the recording API through the real HTTP pipeline.</summary>
public static class Records
{
    public static readonly DateTimeOffset Yesterday = DateTimeOffset.UtcNow.AddDays(-1);

    public static JsonObject Enrollment(Guid? patientId = null, string displayName = "Test Patient") => new()
    {
        ["patientId"] = (patientId ?? Guid.NewGuid()).ToString(),
        ["displayName"] = displayName,
        ["email"] = "patient@example.org",
        ["timeZone"] = "Europe/Paris",
        ["clinicianEmail"] = "clinic@example.org",
        ["alertEmails"] = true,
    };

    public static async Task<Guid> EnrollAsync(this IAlbaHost host)
    {
        var patientId = Guid.NewGuid();
        await host.Scenario(s =>
        {
            s.Post.Json(Enrollment(patientId)).ToUrl("/api/patients");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });
        return patientId;
    }

    public static JsonObject Episode(Guid? entryId = null, int intensity = 4, DateTimeOffset? occurredAt = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = (occurredAt ?? Yesterday).ToString("O"),
        ["bodyRegions"] = new JsonArray("calf", "eyelid"),
        ["side"] = "left",
        ["intensity"] = intensity,
        ["durationSeconds"] = 30,
        ["visible"] = true,
        ["painful"] = false,
    };

    public static JsonObject Cramp(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["bodyRegion"] = "calf",
        ["severity"] = 7,
        ["durationSeconds"] = 90,
        ["sudden"] = true,
        ["disruptedDailyActivities"] = true,
    };

    public static JsonObject Trigger(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["kind"] = "poor-sleep",
        ["level"] = 6,
        ["details"] = "woke at 3am",
    };

    public static JsonObject Sleep(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["night"] = DateOnly.FromDateTime(Yesterday.UtcDateTime.AddDays(-1)).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        ["hours"] = 5.5,
        ["quality"] = 2,
        ["awakenings"] = 3,
    };

    public static JsonObject Intake(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["waterMl"] = 1500,
        ["caffeineMg"] = 200,
    };

    public static JsonObject Intervention(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["kind"] = "magnesium-supplement",
        ["doseMg"] = 300,
    };

    public static JsonObject Symptom(Guid? entryId = null) => new()
    {
        ["entryId"] = (entryId ?? Guid.NewGuid()).ToString(),
        ["occurredAt"] = Yesterday.ToString("O"),
        ["kind"] = "tingling",
        ["bodyRegion"] = "hand",
        ["severity"] = 3,
    };

    public static JsonObject With(this JsonObject entry, string field, JsonNode? value)
    {
        var copy = entry.DeepClone().AsObject();
        copy[field] = value;
        return copy;
    }

    public static JsonObject Without(this JsonObject entry, string field)
    {
        var copy = entry.DeepClone().AsObject();
        copy.Remove(field);
        return copy;
    }

    public static JsonObject Typed(this JsonObject entry, string type) => entry.With("type", type);

    /// <summary>A query session on the patient's bucket (Marten's sharded tenancy has no session without a tenant).</summary>
    /// <summary>Records <paramref name="entries"/> (each with its <c>type</c>) through the batch route, which must answer 200; their entry ids.</summary>
    public static async Task<List<Guid>> RecordBatchAsync(this IAlbaHost host, Guid patientId, params JsonObject[] entries)
    {
        var answer = await host.SendRawAsync(HttpMethod.Post, $"/api/patients/{patientId}/entries/batch",
            new JsonObject { ["entries"] = new JsonArray([.. entries]) }.ToJsonString());
        answer.Status.ShouldBe(HttpStatusCode.OK);
        return [.. entries.Select(e => Guid.Parse(e["entryId"]!.GetValue<string>()))];
    }

    /// <summary>The verified rebuild of every projection (POST /api/admin/projections/rebuild); its report.</summary>
    public static async Task<JsonElement> RebuildProjectionsAsync(this IAlbaHost host, bool repair)
    {
        var result = await host.Scenario(s =>
        {
            s.Post.Url($"/api/admin/projections/rebuild?repair={repair.ToString().ToLowerInvariant()}");
            s.StatusCodeShouldBeOk();
        });
        return result.ReadAsJson<JsonElement>();
    }

    public static IQuerySession QueryFor(this IAlbaHost host, Guid patientId) => host.Services.GetRequiredService<EventHealth.Sharding.TenantSessions>().QueryFor(patientId);

    /// <summary>A writing session on the patient's bucket.</summary>
    public static IDocumentSession WriteFor(this IAlbaHost host, Guid patientId) => host.Services.GetRequiredService<EventHealth.Sharding.TenantSessions>().WriteFor(patientId);

    public static async Task<long> StreamVersionAsync(this IAlbaHost host, Guid patientId)
    {
        await using var session = host.QueryFor(patientId);
        var state = await session.Events.FetchStreamStateAsync(patientId);
        return state?.Version ?? 0;
    }

    /// <summary>The stream version the record's snapshot was last stored at (it is stored only when its profile changes).</summary>
    public static async Task<long> SnapshotRevisionAsync(this IAlbaHost host, Guid patientId)
    {
        await using var session = host.QueryFor(patientId);
        return (await session.QueryAsync<long>($"select mt_version from {EventHealth.Hosting.EventStoreQueries.PatientRecords} where id = ?", patientId)).Single();
    }

    public static async Task<int> EventCountAsync(this IAlbaHost host, Guid patientId)
    {
        await using var session = host.QueryFor(patientId);
        return (await session.Events.FetchStreamAsync(patientId)).Count;
    }

    public static JsonElement Json(this IScenarioResult result) => result.ReadAsJson<JsonElement>();

    /// <summary>The names of the fields a problem answer says are wrong.</summary>
    public static string[] ProblemFields(this JsonElement problem) =>
        problem.ValueKind != JsonValueKind.Object ? []
        : problem.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToArray()
        : problem.TryGetProperty("field", out var field) ? [field.GetString()!]
        : [];

    /// <summary>Sends a raw body (JSON content type) through the real pipeline; answers status, parsed body, content type.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body, string? ContentType)> SendRawAsync(
        this IAlbaHost host, HttpMethod method, string url, string? body, params (string Name, string Value)[] headers)
    {
        using var client = host.Server.CreateClient();
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var isJson = response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true;
        var json = text.Length > 0 && isJson ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return (response.StatusCode, json, response.Content.Headers.ContentType?.MediaType);
    }

    public static HttpContent JsonContent(JsonNode body) =>
        new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
