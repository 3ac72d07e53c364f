using System.ComponentModel.DataAnnotations;
using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Offline sync: up to 500 entries of mixed types, stored in one transaction or not at all.</summary>
public sealed record RecordEntriesBatch([property: Required] IReadOnlyList<EntryRequest?>? Entries)
{
    public const int MaxEntries = 500;
}

public sealed record BatchEntryResult(int Index, Guid EntryId, string Type, string Status, long Version, DateTimeOffset RecordedAt);

public sealed record BatchRecorded(Guid PatientId, long Version, int Created, int Duplicates, IReadOnlyList<BatchEntryResult> Results);

public static class RecordEntriesBatchEndpoint
{
    public static ProblemDetails Validate(RecordEntriesBatch batch, TimeProvider clock)
    {
        var errors = new FieldErrors();
        if (!errors.Required("entries", batch.Entries))
        {
            return errors.ToProblem();
        }

        if (batch.Entries!.Count is 0 or > RecordEntriesBatch.MaxEntries)
        {
            errors.Add("entries", $"must hold between 1 and {RecordEntriesBatch.MaxEntries} entries");
            return errors.ToProblem();
        }

        var now = clock.GetUtcNow();
        for (var i = 0; i < batch.Entries.Count; i++)
        {
            var entryErrors = errors.Under($"entries[{i}]");
            if (batch.Entries[i] is { } entry)
            {
                entry.Validate(entryErrors, now);
            }
            else
            {
                entryErrors.Add("", "must be an entry object");
            }
        }

        return errors.ToProblem();
    }

    [WolverinePost("/api/patients/{patientId}/entries/batch", OperationId = "recordEntriesBatch")]
    [Tags("Recording"), BatchWriteResponses]
    public static Task<IResult> Post(Guid patientId, RecordEntriesBatch batch, HttpContext http, TimeProvider clock) =>
        RecordWrites.SendAsync(http, clock, patientId, new RecordEntries(batch.Entries!.Select(e => e!.ToEvent()).ToList()));
}

/// <summary>A batch: every entry decided in order (repeats answered with their first result); one conflict refuses the whole batch.</summary>
public sealed record RecordEntries(IReadOnlyList<IPatientEntry> Entries) : IRecordChange
{
    public IReadOnlyCollection<Guid> EntryIds => Entries.Select(e => e.EntryId).ToList();

    public RecordDecision Decide(RecordState state)
    {
        var (entries, patientId) = (Entries, state.PatientId);
        var decision = EntryDecisions.Decide(state, entries);
        if (decision.ConflictIndex is { } index)
        {
            return new Reject(Problems.IdempotencyConflict($"entries[{index}].entryId", entries[index].EntryId));
        }

        var results = decision.Outcomes
            .Select(o => new BatchEntryResult(o.Index, o.EntryId, o.Kind, o.Status == EntryStatus.Created ? "created" : "duplicate", o.Version, o.RecordedAt))
            .ToList();
        var created = results.Count(r => r.Status == "created");
        return new Append(decision.NewEvents.ToArray<object>(),
            version => Results.Ok(new BatchRecorded(patientId, version, created, results.Count - created, results)));
    }
}

public sealed class BatchWriteResponsesAttribute() : WriteResponsesAttribute(typeof(BatchRecorded), StatusCodes.Status200OK);
