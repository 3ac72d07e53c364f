using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;

namespace EventHealth.Recording;

public static class RecordingConfiguration
{
    /// <summary>
    /// The write model and entry index are inline: a write must see the previous write at once (idempotency,
    /// optimistic versions), so they commit in the same transaction as the events.
    /// </summary>
    public static IHostApplicationBuilder AddRecording(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(options =>
        {
            options.AddPatientStreamEvents();
            // The snapshot's revision is the stream version it was stored at, taken from the stream as it is stored (as
            // Marten's inline snapshot stored it), whoever stores it: the projection when the profile changed, or the
            // verifier's repair. The record's version is its stream's (RecordVersion).
            options.Schema.For<PatientRecord>().UseNumericRevisions(true);
            options.Policies.ForAllDocuments(mapping =>
            {
                if (mapping.DocumentType == typeof(PatientRecord))
                {
                    mapping.UseVersionFromMatchingStream = true;
                }
            });
            options.Projections.Add(new PatientRecordProjection(), ProjectionLifecycle.Inline);
            options.Projections.Add(new RecordedEntryProjection(), ProjectionLifecycle.Inline);
            // Timeline pages are keyset reads in sort-key order within one patient: this index answers them without
            // reading and sorting the patient's whole record (docs/benchmarks.md). Its first column serves every
            // "entries of this patient" query as well.
            options.Schema.For<RecordedEntry>().Index([entry => entry.PatientId, entry => entry.SortKey], index => index.Name = "mt_doc_recordedentry_idx_patient_sort_key");
            options.Storage.Add(new Hosting.DocumentTableScripts<RecordedEntry>(options.Advanced.Migrator,
                new Hosting.UnsampledDocumentColumns(Hosting.EventStoreQueries.RecordedEntriesTable, "data")));
        });
        builder.Services.AddSingleton<RecordWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RecordWriter>());
        return builder;
    }
}
