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
    public static async Task<IResult> Get(Guid patientId, IQuerySession session, HttpContext http)
    {
        // The profile with its version, then the entries, in one round trip: the counts are at least as new as the ETag.
        var batch = session.CreateBatchQuery();
        var headRead = RecordVersion.Read(batch, session, patientId);
        var entriesRead = batch.Query<RecordedEntry>()
            .Where(e => e.PatientId == patientId)
            .Select(e => new { e.Kind, e.Retracted })
            .ToList();
        await batch.Execute(http.RequestAborted);
        if (await headRead is not { Record: { } record } head)
        {
            return Problems.PatientNotFound(patientId);
        }

        WriteContext.SetETag(http.Response, head.Version);
        var entries = await entriesRead;
        return Results.Ok(PatientProfile.Of(record, head.Version, RecordCounters.Count(entries.Select(e => (e.Kind, e.Retracted)))));
    }
}
