using JasperFx.CodeGeneration;
using Wolverine.Http;

namespace EventHealth.Erasure;

/// <summary>
/// Marks a read that answers 410 for an erased record itself, from the erasure fields it reads in its own statement
/// (<see cref="Hosting.EventStoreQueries.TimelinePageAsync"/>), so the erasure check before it
/// (<see cref="ErasureConfiguration.UseErasedRecords"/>) does not cost it a second round trip. As on every read, the
/// 410 comes after access control; unlike the check before the endpoint, after the request's own validation, as a 404 does.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AnswersErasedRecordsAttribute : ModifyHttpChainAttribute
{
    public override void Modify(HttpChain chain, GenerationRules rules) => chain.Metadata.WithMetadata(this);
}
