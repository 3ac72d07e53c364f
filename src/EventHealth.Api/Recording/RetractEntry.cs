using System.ComponentModel.DataAnnotations;
using EventHealth.Access;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
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
    public static Task<IResult> Post(Guid patientId, Guid entryId, RetractEntry request, HttpContext http, TimeProvider clock)
    {
        var caller = Caller.Of(http.User);
        if (caller.Role == Roles.Operator && request.RequestReference is null)
        {
            return Task.FromResult(RequestReference.RequiredOf("retracts a clinician's note"));
        }

        return RecordWrites.SendAsync(http, clock, patientId, new RetractEntryChange(entryId, request.Reason!.Trim(), request.RequestReference, caller));
    }
}

/// <param name="Caller">Who retracts: which entries they may withdraw is decided once the entry is known.</param>
public sealed record RetractEntryChange(Guid EntryId, string Reason, string? RequestReference, Caller Caller) : IRecordChange
{
    public IReadOnlyCollection<Guid> EntryIds => [EntryId];

    public RecordDecision Decide(RecordState state)
    {
        var (entryId, patientId) = (EntryId, state.PatientId);
        if (!state.Recorded.TryGetValue(entryId, out var entry))
        {
            return new Reject(Problems.EntryNotFound(entryId));
        }

        if (AccessRules.MayRetract(Caller, entry.Kind) is { IsAllowed: false } refused)
        {
            return new Reject(Problems.Result(StatusCodes.Status403Forbidden, "forbidden", "Not allowed.", refused.Reason, "entryId"));
        }

        if (entry.Retracted)
        {
            return new Reject(Problems.EntryAlreadyRetracted(entryId));
        }

        return new Append([new EntryRetracted(entryId, Reason, RequestReference)], version =>
            Results.Json(new EntryRetractionRecorded(patientId, entryId, Reason, version, state.Now), statusCode: StatusCodes.Status201Created));
    }
}

public sealed class RetractionResponsesAttribute() : WriteResponsesAttribute(typeof(EntryRetractionRecorded), StatusCodes.Status201Created, replays: false);
