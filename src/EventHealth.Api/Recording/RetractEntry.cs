using System.ComponentModel.DataAnnotations;
using EventHealth.Access;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Withdraws an entry; the entry stays in the history, marked, and stops counting everywhere.</summary>
/// <param name="RequestReference">Required when an operator retracts a clinician's note (<see cref="Access.RequestReference"/>).</param>
public sealed record RetractEntry([property: Required] string? Reason, string? RequestReference = null)
{
    public const int MaxReasonLength = 500;
}

public sealed record EntryRetractionRecorded(Guid PatientId, Guid EntryId, string Reason, long Version, DateTimeOffset RecordedAt);

public static class RetractEntryEndpoint
{
    public static ProblemDetails Validate(RetractEntry request)
    {
        var errors = new FieldErrors();
        errors.Required("reason", request.Reason);
        errors.MaxLength("reason", request.Reason, RetractEntry.MaxReasonLength);
        RequestReference.Check(errors, "requestReference", request.RequestReference);
        return errors.ToProblem();
    }

    [WolverinePost("/api/patients/{patientId}/entries/{entryId}/retraction", OperationId = "retractEntry")]
    [Tags("Recording"), RetractionResponses]
    public static Task<IResult> Post(Guid patientId, Guid entryId, RetractEntry request, IDocumentStore store, HttpContext http, TimeProvider clock)
    {
        if (Caller.Of(http.User).Role == Roles.Operator && request.RequestReference is null)
        {
            return Task.FromResult(RequestReference.RequiredOf("retracts a clinician's note"));
        }

        return EntryWrites.WriteAsync(store, http, clock, patientId, loaded =>
        {
            if (!loaded.Recorded.TryGetValue(entryId, out var entry))
            {
                return Task.FromResult<EntryWrites.Decision>(new EntryWrites.Reject(Problems.EntryNotFound(entryId)));
            }

            if (AccessRules.MayRetract(Caller.Of(http.User), entry.Kind) is { IsAllowed: false } refused)
            {
                return Task.FromResult<EntryWrites.Decision>(new EntryWrites.Reject(
                    Problems.Result(StatusCodes.Status403Forbidden, "forbidden", "Not allowed.", refused.Reason, "entryId")));
            }

            if (entry.Retracted)
            {
                return Task.FromResult<EntryWrites.Decision>(new EntryWrites.Reject(Problems.EntryAlreadyRetracted(entryId)));
            }

            var reason = request.Reason!.Trim();
            return Task.FromResult<EntryWrites.Decision>(new EntryWrites.Append([new EntryRetracted(entryId, reason, request.RequestReference)], version =>
                Results.Json(new EntryRetractionRecorded(patientId, entryId, reason, version, loaded.Context.Now), statusCode: StatusCodes.Status201Created)));
        }, [entryId]);
    }
}

public sealed class RetractionResponsesAttribute() : WriteResponsesAttribute(typeof(EntryRetractionRecorded), StatusCodes.Status201Created, replays: false);
