using System.ComponentModel.DataAnnotations;
using EventHealth.Access;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>
/// A note a clinician with read-write consent adds to the record. It is an entry like the patient's own: it has the
/// client's idempotency key and the moment it is about, it can be retracted, and it shows on the timeline. It counts
/// in no figure (daily summaries, insights, rules): it is what a clinician wrote, not what the patient lived.
/// </summary>
/// <param name="ClinicianId">The author: the clinician id of the token that wrote it (never taken from the body).</param>
public sealed record ClinicianNoteAdded(Guid EntryId, DateTimeOffset OccurredAt, string ClinicianId, string Text) : IPatientEntry;

public sealed record AddClinicianNote(
    [property: Required] Guid? EntryId,
    [property: Required] DateTimeOffset? OccurredAt,
    [property: Required] string? Text)
{
    public const int MaxTextLength = 4000;
}

public static class AddClinicianNoteEndpoint
{
    public static ProblemDetails Validate(AddClinicianNote request, TimeProvider clock)
    {
        var errors = new FieldErrors();
        var now = clock.GetUtcNow();
        if (errors.Required("entryId", request.EntryId) && request.EntryId == Guid.Empty)
        {
            errors.Add("entryId", "must not be the empty UUID");
        }

        if (errors.Required("occurredAt", request.OccurredAt))
        {
            if (request.OccurredAt > now + EntryRequest.FutureTolerance)
            {
                errors.Add("occurredAt", "must not be more than 5 minutes in the future");
            }
            else if (request.OccurredAt < EntryRequest.EarliestOccurredAt)
            {
                errors.Add("occurredAt", "must not be before 1900-01-01");
            }
        }

        if (errors.Required("text", request.Text) && string.IsNullOrWhiteSpace(request.Text))
        {
            errors.Add("text", "must not be blank");
        }

        errors.MaxLength("text", request.Text, AddClinicianNote.MaxTextLength);
        return errors.ToProblem();
    }

    /// <summary>A clinician with read-write consent adds a note: 201, or 200 with the first answer for a repeat.</summary>
    [WolverinePost("/api/patients/{patientId}/notes", OperationId = "addClinicianNote")]
    [Tags("Recording"), EntryWriteResponses]
    public static Task<IResult> Post(Guid patientId, AddClinicianNote request, HttpContext http, TimeProvider clock)
    {
        // Access control already required a clinician with read-write consent; the author is that clinician.
        var caller = Caller.Of(http.User);
        if (caller.Role != Roles.Clinician || caller.Subject is not { } clinicianId)
        {
            return Task.FromResult(Problems.Result(StatusCodes.Status403Forbidden, "forbidden", "Not allowed.", "Notes are written by clinicians."));
        }

        var note = new ClinicianNoteAdded(request.EntryId!.Value, request.OccurredAt!.Value, clinicianId, request.Text!.Trim());
        // A note is an entry: the same idempotency decision as every other entry.
        return RecordWrites.SendAsync(http, clock, patientId, new RecordEntry(note));
    }
}
