using JasperFx.CodeGeneration;
using Wolverine.Http;

namespace EventHealth.Http;

/// <summary>
/// Describes a record write in OpenAPI: its success answers and every problem answer the write path can give,
/// so a client generated from the document knows them all.
/// </summary>
public abstract class WriteResponsesAttribute(Type answer, int created) : ModifyHttpChainAttribute
{
    public override void Modify(HttpChain chain, GenerationRules rules)
    {
        chain.Metadata
            .Produces(created, answer)
            .Produces(StatusCodes.Status200OK, answer)
            .ProducesProblem(StatusCodes.Status400BadRequest, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status409Conflict, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status401Unauthorized, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status403Forbidden, Problems.ContentType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests, Problems.ContentType);
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
