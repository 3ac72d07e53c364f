using EventHealth.Http;
using EventHealth.Recording;
using Marten;

namespace EventHealth.Erasure;

public static class ErasureConfiguration
{
    /// <summary>Marks events whose personal data Marten masked (docs/erasure.md).</summary>
    public const string MaskedHeader = "masked";

    /// <summary>
    /// Marten's own masking rules for protected information, one per event type that carries personal data (names,
    /// email addresses, free-text details, reasons and notes). They run only when an erasure asks Marten to mask a
    /// record's stream; nothing else rewrites stored events.
    /// </summary>
    public static IHostApplicationBuilder AddErasure(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RecordEraser>();
        builder.Services.ConfigureMarten(options =>
        {
            options.AddPersonalDataMasking();
        });
        return builder;
    }

    /// <summary>
    /// After access control: a read of an erased record answers 410 Gone (one primary-key read of two fields per request,
    /// <see cref="Hosting.EventStoreQueries.ErasureAsync"/>). Callers
    /// who may not reach the record get their 401/403 first, so a stranger cannot learn that a record existed and was
    /// erased. Writes are not checked here: every write to a record decides on the record it loads anyway
    /// (the write path, <see cref="Recording.RecordDecider"/>, answers 410 for an erased one), and a second read per write cost a round trip on the
    /// hottest path (docs/benchmarks.md). Nor are reads marked <see cref="AnswersErasedRecordsAttribute"/>: they answer
    /// 410 themselves, from the same fields read in their own statement.
    /// </summary>
    public static IApplicationBuilder UseErasedRecords(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            // Writes go through, the erasure route included: a repeated erasure completes an interrupted one, then answers 410.
            if ((HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                && context.GetEndpoint()?.Metadata.GetMetadata<AnswersErasedRecordsAttribute>() is null
                && Access.AccessControl.RoutePatientId(context) is { } patientId
                && await context.RequestServices.GetRequiredService<Hosting.EventStoreQueries>().ErasureAsync(patientId, context.RequestAborted) is (true, var erasedAt))
            {
                await Gone(patientId, erasedAt).ExecuteAsync(context);
                return;
            }

            await next(context);
        });

    public static IResult Gone(Guid patientId, DateTimeOffset? erasedAt) =>
        Problems.Result(StatusCodes.Status410Gone, "record-erased", "The record was erased.",
            $"Record {patientId} was erased{(erasedAt is { } at ? $" at {at:O}" : "")}; its personal data is no longer held.", "patientId");
}
