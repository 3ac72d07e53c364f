using Hangfire.PostgreSql;
using JasperFx.CommandLine.Descriptions;
using JasperFx.Resources;
using Npgsql;
using Spectre.Console.Rendering;

namespace EventHealth.Hosting;

/// <summary>
/// Hangfire's tables as a Critter Stack resource, so that `resources setup` installs them beside Marten's and
/// Wolverine's where the API itself creates no schema objects (and connects as a role that may not).
/// </summary>
public sealed class HangfireSchema(string connectionString) : IStatefulResource
{
    public string Type => "Hangfire";

    public string Name => Database.SchedulingSchema;

    public Uri SubjectUri => new("hangfire://jobs");

    public Uri ResourceUri => new($"postgresql://{Database.SchedulingSchema}");

    public Task Check(CancellationToken token) => Task.CompletedTask;

    public Task ClearState(CancellationToken token) => Task.CompletedTask;

    public Task Teardown(CancellationToken token) => Task.CompletedTask;

    /// <summary>Hangfire's own installer: creates the schema or upgrades it, and does nothing when it is current.</summary>
    public async Task Setup(CancellationToken token)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(token);
        PostgreSqlObjectsInstaller.Install(connection, Database.SchedulingSchema);
    }

    public Task<IRenderable> DetermineStatus(CancellationToken token) =>
        Task.FromResult<IRenderable>(new Spectre.Console.Markup($"Hangfire schema [bold]{Database.SchedulingSchema}[/]"));
}

/// <summary>Where the resource commands (`resources setup`, `resources list`) find <see cref="HangfireSchema"/>.</summary>
public sealed class HangfireSystemPart(HangfireSchema schema) : SystemPartBase("Hangfire", schema.SubjectUri)
{
    public override ValueTask<IReadOnlyList<IStatefulResource>> FindResources() => ValueTask.FromResult<IReadOnlyList<IStatefulResource>>([schema]);
}
