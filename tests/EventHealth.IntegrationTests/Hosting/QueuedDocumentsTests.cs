using EventHealth.Hosting;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using EventHealth.Sharding;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Hosting;

/// <summary>
/// <see cref="EventStoreQueries.QueueDocuments"/> writes many documents with one statement where Marten writes one each:
/// what it writes must load as Marten's own would, in each document's bucket, with Marten's Store and Insert semantics.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class QueuedDocumentsTests(AppFixture app)
{
    [Fact]
    public async Task Documents_of_two_buckets_in_one_statement_load_as_Marten_stores_them()
    {
        var sessions = app.Host.Services.GetRequiredService<TenantSessions>();
        var (first, second) = await TwoBucketsOfOneDatabaseAsync(sessions);
        var (firstTenant, secondTenant) = (sessions.Buckets.TenantOf(first), sessions.Buckets.TenantOf(second));
        var one = Entry(first, "Twitching in calf (left), intensity 4/10, 30 s");
        var other = Entry(second, "a \"quoted\" summary with ü, <tags> & a line\nbreak");

        await using (var session = sessions.WriteForTenant(firstTenant))
        {
            EventStoreQueries.QueueDocuments(session, EventStoreQueries.RecordedEntries, [(firstTenant, one.Id, one), (secondTenant, other.Id, other)], replace: true);
            await session.SaveChangesAsync();
        }

        (await LoadAsync(sessions, first, one.Id)).ShouldBe(one);
        (await LoadAsync(sessions, second, other.Id)).ShouldBe(other);

        // The row's metadata is Marten's: the same .NET type as a document Marten stored itself.
        var storedByMarten = Entry(first, "stored by Marten");
        await using (var session = sessions.WriteForTenant(firstTenant))
        {
            session.Store(storedByMarten);
            await session.SaveChangesAsync();
        }

        await using (var query = sessions.QueryFor(first))
        {
            (await query.MetadataForAsync(one))!.DotNetType.ShouldBe((await query.MetadataForAsync(storedByMarten))!.DotNetType);
        }

        // Replacing, as Marten's Store: the same id again replaces the document.
        var retracted = one with { Retracted = true, RetractionReason = "entered twice", RetractedInVersion = 9 };
        await using (var session = sessions.WriteForTenant(firstTenant))
        {
            EventStoreQueries.QueueDocuments(session, EventStoreQueries.RecordedEntries, [(firstTenant, retracted.Id, retracted)], replace: true);
            await session.SaveChangesAsync();
        }

        (await LoadAsync(sessions, first, one.Id)).ShouldBe(retracted);

        // Not replacing, as Marten's Insert: an id already there fails the whole transaction, the new document with it.
        var another = Entry(first, "never stored");
        await using (var session = sessions.WriteForTenant(firstTenant))
        {
            EventStoreQueries.QueueDocuments(session, EventStoreQueries.RecordedEntries, [(firstTenant, another.Id, another), (firstTenant, one.Id, one)], replace: false);
            await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());
        }

        (await LoadAsync(sessions, first, one.Id)).ShouldBe(retracted);
        (await LoadAsync(sessions, first, another.Id)).ShouldBeNull();
    }

    private static RecordedEntry Entry(Guid patientId, string summary)
    {
        var entryId = Guid.NewGuid();
        var occurredAt = new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.FromHours(1));
        return new RecordedEntry
        {
            Id = RecordedEntry.IdFor(patientId, entryId),
            PatientId = patientId,
            EntryId = entryId,
            Kind = "episode",
            Fingerprint = "sha256:test",
            Version = 2,
            OccurredAt = occurredAt,
            RecordedAt = occurredAt.AddMinutes(5),
            SortKey = RecordedEntry.SortKeyFor(occurredAt, entryId),
            Summary = summary,
            Data = """{"bodyRegions":["calf"],"intensity":4}""",
        };
    }

    private static async Task<RecordedEntry?> LoadAsync(TenantSessions sessions, Guid patientId, string id)
    {
        await using var query = sessions.QueryFor(patientId);
        return await query.LoadAsync<RecordedEntry>(id);
    }

    /// <summary>Two patients in different buckets whose shard is the same database, as the records of one write group.</summary>
    private static async Task<(Guid First, Guid Second)> TwoBucketsOfOneDatabaseAsync(TenantSessions sessions)
    {
        var first = Guid.NewGuid();
        var database = await sessions.DatabaseOfAsync(sessions.Buckets.TenantOf(first));
        while (true)
        {
            var second = Guid.NewGuid();
            var tenant = sessions.Buckets.TenantOf(second);
            if (tenant != sessions.Buckets.TenantOf(first) && await sessions.DatabaseOfAsync(tenant) == database)
            {
                return (first, second);
            }
        }
    }
}
