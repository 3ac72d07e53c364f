using JasperFx;
using JasperFx.Events;
using Marten;
using Weasel.Core;
using Wolverine.Marten;

namespace EventHealth.Hosting;

public static class EventStoreConfiguration
{
    /// <summary>Marten as the event store: one Guid-identified stream per patient, with full audit metadata.</summary>
    public static IHostApplicationBuilder AddEventStore(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase();
        var createSchema = builder.CreateSchemaOnStartup();
        var control = builder.Configuration.ConnectionString();
        var shards = Sharding.ShardingSettings.From(builder.Configuration).ShardDatabases(builder.Configuration);

        var marten = builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = Database.EventStoreSchema;
                options.Events.StreamIdentity = StreamIdentity.AsGuid;

                // Patients live in buckets (tenants b000 …), each bucket on one shard database of the pool; the control
                // database keeps the pool registry. One shard (the control database itself) unless configured otherwise:
                // the single-database deployment runs this same code (docs/scaling.md). Buckets are assigned explicitly
                // at provisioning, so a bucket nobody placed fails loudly instead of landing somewhere.
                options.MultiTenantedWithShardedDatabases(pool =>
                {
                    pool.ConnectionString = control;
                    pool.SchemaName = Sharding.DeploymentBuckets.Schema;
                    pool.PartitionSchemaName = Sharding.DeploymentBuckets.Schema;
                    foreach (var (id, connectionString) in shards)
                    {
                        pool.AddDatabase(id, connectionString);
                    }

                    pool.UseExplicitAssignment();

                    if (Database.RunsResourcesSetup())
                    {
                        // `resources setup` lists Marten's databases before it creates anything, and listing a sharded
                        // pool reads its registry tables: on a fresh control database they must be made first, which
                        // Marten does only where the pool may create schema objects.
                        pool.AutoCreate = AutoCreate.CreateOrUpdate;
                    }
                });

                // Not Events.UseTenantPartitionedEvents (per-bucket event partitions, sequences and daemon progress): tried,
                // it needs Quick appends, under which a lost enrolment race surfaces as an unretried command error, and
                // per-bucket projection agents started late for buckets assigned after the daemon (docs/scaling.md).

                // An aggregate loaded for writing is the instance an inline aggregation applies the new events to, not
                // loaded again inside SaveChanges. No write path fetches for writing now (the record's snapshot comes
                // from what the write path read, Recording/PatientRecordProjection); kept for any aggregate that is.
                options.Events.UseIdentityMapForAggregates = true;

                // Auditors ask "who, from which client, as part of which request": keep all of it.
                options.Events.MetadataConfig.CorrelationIdEnabled = true;
                options.Events.MetadataConfig.CausationIdEnabled = true;
                options.Events.MetadataConfig.HeadersEnabled = true;
                options.Events.MetadataConfig.UserNameEnabled = true;

                // Stored events use the API's JSON dialect, so the raw log reads like the contract.
                options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, EventHealth.Http.JsonSetup.Apply);

                options.Storage.Add(new EventLogStatisticsFeature(options.Advanced.Migrator));
            })
            .UseLightweightSessions()
            // Async projections run under Wolverine's leader-elected agents, which spread the shards over the nodes,
            // rather than Marten's own HotCold daemon, which runs them all on whichever node holds its lock.
            .IntegrateWithWolverine(integration =>
            {
                integration.MessageStorageSchemaName = Database.MessagingSchema;
                // Node and leader tables and tenant-neutral messages in the control database; each shard keeps the
                // envelopes of its own buckets, so an alert and its e-mails still commit in one local transaction.
                integration.MainDatabaseConnectionString = control;
                integration.UseWolverineManagedEventSubscriptionDistribution = true;
            });

        if (createSchema)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }

        return builder;
    }
}
