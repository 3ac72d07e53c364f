using Wolverine;
using Wolverine.Http;

namespace EventHealth.Hosting;

public static class MessagingConfiguration
{
    /// <summary>
    /// Wolverine as mediator, HTTP endpoint host and durable local bus. Every message handled or
    /// published inside a Marten transaction goes through the transactional outbox.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddWolverine(options =>
        {
            // Handlers and endpoints live in this assembly, whichever process hosts it (API, CLI, benchmark).
            options.ApplicationAssembly = typeof(MessagingConfiguration).Assembly;
            options.UseRuntimeCompilation();
            options.Policies.AutoApplyTransactions();
            options.Policies.UseDurableLocalQueues();
            options.Policies.UseDurableOutboxOnAllSendingEndpoints();
            options.Durability.MessageStorageSchemaName = Database.MessagingSchema;
        });
        builder.Services.AddWolverineHttp();
        return builder;
    }
}
