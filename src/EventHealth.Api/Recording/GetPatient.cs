using EventHealth.Http;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace EventHealth.Recording;

/// <summary>Entries per type that still count (not retracted), and how many were retracted.</summary>
public sealed record RecordCounters(
    int Episodes, int Cramps, int Triggers, int Sleep, int Intake, int Interventions, int Symptoms, int Retracted)
{
    public static RecordCounters Count(IEnumerable<(string Kind, bool Retracted)> entries)
    {
        var list = entries.ToList();
        int Active(string kind) => list.Count(e => e.Kind == kind && !e.Retracted);
        return new RecordCounters(
            Active(EntryKinds.Episode), Active(EntryKinds.Cramp), Active(EntryKinds.Trigger), Active(EntryKinds.Sleep),
            Active(EntryKinds.Intake), Active(EntryKinds.Intervention), Active(EntryKinds.Symptom), list.Count(e => e.Retracted));
    }
}

public static class GetPatientEndpoint
{
    [WolverineGet("/api/patients/{patientId}", OperationId = "getPatient")]
    [Tags("Recording"), ReadResponses(typeof(PatientProfile))]
    public static async Task<IResult> Get(Guid patientId, [ExistingRecord] PatientRecord record, IQuerySession session, HttpContext http)
    {
        // The version first: what follows is at least as new as the ETag says, so an If-Match on it never passes over a
        // write this answer did not show.
        var version = await RecordVersion.CurrentAsync(session, patientId, http.RequestAborted);
        var entries = await session.Query<RecordedEntry>()
            .Where(e => e.PatientId == patientId)
            .Select(e => new { e.Kind, e.Retracted })
            .ToListAsync(http.RequestAborted);

        WriteContext.SetETag(http.Response, version);
        return Results.Ok(PatientProfile.Of(record, version, RecordCounters.Count(entries.Select(e => (e.Kind, e.Retracted)))));
    }
}
