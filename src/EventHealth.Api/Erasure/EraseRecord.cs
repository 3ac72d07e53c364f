using EventHealth.Access;
using EventHealth.Http;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Erasure;

/// <param name="RequestReference">
/// The reference of the patient's documented request (a ticket or letter number): required when an operator erases,
/// optional for the patient. A reference, never the request's text: letters, digits and <c>._:/-</c>, up to 100.
/// </param>
public sealed record EraseRecord(string? RequestReference);

/// <summary>What the erasure did, for the caller and the audit: no personal data, only counts.</summary>
public sealed record ErasureReport(Guid PatientId, string ErasedBy, string? RequestReference, DateTimeOffset ErasedAt, long Version,
    int EventsMasked, int DocumentsRebuilt, int MessagesRemoved);

public static class EraseRecordEndpoint
{
    public static ProblemDetails Validate(EraseRecord request)
    {
        var errors = new FieldErrors();
        Access.RequestReference.Check(errors, "requestReference", request.RequestReference);
        return errors.ToProblem();
    }

    /// <summary>
    /// Erases a record: the patient's own request, or an operator acting on the patient's documented request. Personal
    /// data in every event is masked by Marten, the documents are rebuilt from the masked events, queued messages about
    /// the record are removed; the record answers 410 Gone afterwards. See docs/erasure.md.
    /// </summary>
    [WolverinePost("/api/patients/{patientId}/erasure", OperationId = "eraseRecord")]
    [Tags("Access"), ErasureResponses]
    public static async Task<IResult> Post(Guid patientId, EraseRecord request, RecordEraser eraser, HttpContext http, TimeProvider clock)
    {
        var caller = Caller.Of(http.User);
        if (caller.Role == Roles.Operator && request.RequestReference is null)
        {
            return Access.RequestReference.RequiredOf("erases a record");
        }

        if (!WriteContext.TryParseIfMatch(http.Request, out var expectedVersion))
        {
            return Results.Problem(Problems.Validation("If-Match", "must be a quoted stream version such as \"7\""));
        }

        var (answer, version) = await eraser.EraseAsync(patientId, request.RequestReference, WriteContext.From(http, clock, expectedVersion), http.RequestAborted);
        if (version is { } erasedAt)
        {
            WriteContext.SetETag(http.Response, erasedAt);
        }

        return answer;
    }
}

public sealed class ErasureResponsesAttribute() : WriteResponsesAttribute(typeof(ErasureReport), StatusCodes.Status200OK, replays: false, conflicts: false);
