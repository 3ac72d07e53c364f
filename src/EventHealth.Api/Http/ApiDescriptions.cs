using JasperFx.CodeGeneration;
using Wolverine.Http;

namespace EventHealth.Http;

/// <summary>
/// What the OpenAPI layer needs to know about a record write beyond its answers: whether it takes <c>If-Match</c>
/// (every write to an existing record does) and whether its 201 carries a <c>Location</c> (the record's creation).
/// </summary>
public sealed record RecordWriteMetadata(bool TakesIfMatch, bool SetsLocation);

/// <summary>
/// Describes a record write in OpenAPI: its success answers and every problem answer the write path can give,
/// so a client generated from the document knows them all and none that cannot happen.
/// </summary>
/// <param name="created">The status of a first write (201, or 200 when the write creates nothing addressable).</param>
/// <param name="replays">A repeat of the same write answers 200 with the first answer.</param>
/// <param name="conflicts">The write can be refused with 409 (an id reused for other content, an entry already retracted).</param>
/// <param name="createsRecord">The write starts the record: no 404, no If-Match, a Location on 201.</param>
public abstract class WriteResponsesAttribute(Type answer, int created, bool replays = true, bool conflicts = true, bool createsRecord = false)
    : ModifyHttpChainAttribute
{
    public override void Modify(HttpChain chain, GenerationRules rules)
    {
        chain.Metadata.Produces(created, answer);
        if (replays && created != StatusCodes.Status200OK)
        {
            chain.Metadata.Produces(StatusCodes.Status200OK, answer);
        }

        chain.Metadata
            .ProducesProblem(StatusCodes.Status400BadRequest, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status401Unauthorized, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests, Problems.ContentType);
        if (!createsRecord)
        {
            chain.Metadata
                .ProducesProblem(StatusCodes.Status404NotFound, Problems.ContentType)
                .ProducesProblem(StatusCodes.Status412PreconditionFailed, Problems.ContentType);
        }

        if (conflicts)
        {
            chain.Metadata.ProducesProblem(StatusCodes.Status409Conflict, Problems.ContentType);
        }

        chain.Metadata.WithMetadata(new RecordWriteMetadata(TakesIfMatch: !createsRecord, SetsLocation: createsRecord));
    }
}

/// <summary>A single entry: 201 when stored, 200 when the same entry was stored before.</summary>
public sealed class EntryWriteResponsesAttribute() : WriteResponsesAttribute(typeof(Recording.EntryRecorded), StatusCodes.Status201Created);

/// <summary>Reads of a record: the answer, or a problem for an unknown patient or a bad query.</summary>
public sealed class ReadResponsesAttribute(Type answer) : ModifyHttpChainAttribute
{
    public override void Modify(HttpChain chain, GenerationRules rules)
    {
        chain.Metadata
            .Produces(StatusCodes.Status200OK, answer)
            .ProducesProblem(StatusCodes.Status400BadRequest, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status401Unauthorized, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden, Problems.ContentType);
    }
}
