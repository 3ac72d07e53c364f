using EventHealth.Recording;
using JasperFx.Events;

namespace EventHealth.UnitTests;

/// <summary>A patient's stream in memory, in version order, as Marten would hand it to a fold: what the test record builders share.</summary>
internal sealed class InMemoryStream(Guid patientId)
{
    private readonly List<IEvent> events = [];

    public IReadOnlyList<IEvent> Events => events;

    /// <param name="recordedAt">When the event was stored (Marten's timestamp), for replays of the record as it stood.</param>
    public void Add(object data, DateTimeOffset recordedAt = default)
    {
        var @event = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
        @event.Version = events.Count + 1;
        @event.StreamId = patientId;
        @event.Timestamp = recordedAt;
        events.Add(@event);
    }

    /// <summary>Appends the entry <paramref name="create"/> makes for a new entry id, and answers that id.</summary>
    public Guid Entry(Func<Guid, IPatientEntry> create, DateTimeOffset recordedAt = default)
    {
        var id = Guid.NewGuid();
        Add(create(id), recordedAt);
        return id;
    }
}
