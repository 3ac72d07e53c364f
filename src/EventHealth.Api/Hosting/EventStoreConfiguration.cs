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

        var marten = builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = Database.EventStoreSchema;
                options.Events.StreamIdentity = StreamIdentity.AsGuid;

                // A write already loaded the record's inline snapshot (the aggregate handler workflow): let the inline projection
                // apply the new events to that instance instead of loading it again inside SaveChanges. Safe because
                // the aggregates are immutable records that only Marten's Apply methods derive new states from.
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
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            // Async projections run under Wolverine's leader-elected agents, which spread the shards over the nodes,
            // rather than Marten's own HotCold daemon, which runs them all on whichever node holds its lock.
            .IntegrateWithWolverine(integration =>
            {
                integration.MessageStorageSchemaName = Database.MessagingSchema;
                integration.UseWolverineManagedEventSubscriptionDistribution = true;
            });

        if (createSchema)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }

        return builder;
    }
}
