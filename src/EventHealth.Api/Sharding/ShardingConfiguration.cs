using EventHealth.Hosting;
using JasperFx.CommandLine.Descriptions;
using JasperFx.Resources;
using Marten;
using Spectre.Console.Rendering;

namespace EventHealth.Sharding;

public static class ShardingConfiguration
{
    /// <summary>
    /// The bucket function, the deployment's shards and their provisioning. Marten's sharded tenancy itself is configured
    /// with the event store (<see cref="EventStoreConfiguration"/>), from the same <see cref="ShardingSettings"/>.
    /// </summary>
    public static IHostApplicationBuilder AddSharding(this IHostApplicationBuilder builder)
    {
        var settings = ShardingSettings.From(builder.Configuration);
        var shardIds = settings.ShardDatabases(builder.Configuration).Select(s => s.Id).ToList();
        var deployment = new DeploymentBuckets(builder.Configuration.ConnectionString(), settings, shardIds);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(new PatientBuckets(settings.Buckets));
        builder.Services.AddSingleton(deployment);
        builder.Services.AddSingleton<PatientTenantDetection>();
        builder.Services.AddSingleton<TenantSessions>();
        builder.Services.AddSingleton<BucketMover>();
        builder.Services.AddHostedService<BucketAssignmentRefresh>();
        builder.Services.AddSingleton<ISystemPart, BucketAssignmentPart>();
        builder.Services.AddHealthChecks().AddCheck<ShardsHealthCheck>("shards", tags: [HealthEndpoints.ReadyTag]);
        var provision = builder.CreateSchemaOnStartup();
        builder.Services.AddHostedService(services => new BucketAssignmentCheck(deployment, services.GetRequiredService<IDocumentStore>(), provision));
        return builder;
    }
}

/// <summary>
/// At start: a host that creates its schema provisions the buckets (as <c>resources setup</c> does); every host checks
/// the bucket count against the deployment's and that every bucket has a shard, and refuses to start otherwise.
/// </summary>
public sealed class BucketAssignmentCheck(DeploymentBuckets deployment, IDocumentStore store, bool provision) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (provision)
        {
            await deployment.ProvisionAsync(store, cancellationToken);
        }

        await deployment.CheckAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The buckets' assignment as a `resources setup` part, beside Marten's, Wolverine's and Hangfire's schemas.</summary>
public sealed class BucketAssignmentPart(DeploymentBuckets deployment, IDocumentStore store) : SystemPartBase("Buckets", new Uri("eventhealth://buckets"))
{
    public override ValueTask<IReadOnlyList<IStatefulResource>> FindResources() =>
        ValueTask.FromResult<IReadOnlyList<IStatefulResource>>([new BucketAssignmentResource(deployment, store)]);

    private sealed class BucketAssignmentResource(DeploymentBuckets deployment, IDocumentStore store) : IStatefulResource
    {
        public string Type => "Buckets";

        public string Name => "bucket assignments";

        public Uri SubjectUri => new("eventhealth://buckets");

        public Uri ResourceUri => new($"postgresql://{DeploymentBuckets.Schema}");

        public Task Check(CancellationToken token) => deployment.CheckAsync(token);

        public Task ClearState(CancellationToken token) => Task.CompletedTask;

        public Task Teardown(CancellationToken token) => Task.CompletedTask;

        public Task Setup(CancellationToken token) => deployment.ProvisionAsync(store, token);

        public async Task<IRenderable> DetermineStatus(CancellationToken token)
        {
            var assignments = await deployment.AssignmentsAsync(token);
            return new Spectre.Console.Markup($"{assignments.Count} tenants assigned over {assignments.Values.Distinct().Count()} shard(s)");
        }
    }
}
