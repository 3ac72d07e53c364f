using JasperFx.CodeGeneration;
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
            // Outside Development the handler and endpoint code is the one ops/codegen generated into Internal/Generated
            // (and ops/test checks is current): compiling it with Roslyn at start-up cost the API about 175 MB of its
            // peak memory and JIT time in its first seconds under load (docs/benchmarks.md, issue 23's third pass).
            // Development generates it on demand, so that changing a handler needs no extra step there.
            options.CodeGeneration.TypeLoadMode = builder.Environment.IsDevelopment() ? TypeLoadMode.Dynamic : TypeLoadMode.Static;
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
