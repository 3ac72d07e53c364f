using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace EventHealth.Hosting;

/// <summary>
/// An event of a patient's stream as the queries that read many events at once (<see cref="EventStoreQueries"/>: the
/// projection rebuild, detection) read it back: its data read by Marten's serializer, as Marten reads it, and its
/// metadata from the row. Marten's own resolution of a row (its event storage's <c>Resolve</c>) had cost a fifth of the
/// rebuild's samples in the API, for two things a replay never uses: its event wrapper draws a random id, a system call
/// per event, which the row's id then replaces; and its headers go through a general converter that makes an object of
/// every value and a local DateTime of every string that looks like a date (docs/benchmarks.md, issue 23's sixteenth pass).
/// Here a header's string stays a string, but for recordedAt in the round-trip form the write path gives it, which is read
/// as its instant (<see cref="Recording.EventMetadata"/> reads either).
/// </summary>
internal sealed class StoredEvent<T>(T data) : IEvent<T>
    where T : notnull
{
    public T Data { get; } = data;

    object IEvent.Data => Data;

    public Type EventType => typeof(T);

    public Guid Id { get; set; }

    public long Version { get; set; }

    public long Sequence { get; set; }

    public Guid StreamId { get; set; }

    public string? StreamKey { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public string TenantId { get; set; } = "";

    public string EventTypeName { get; set; } = "";

    public string DotNetTypeName { get; set; } = "";

    public string? CausationId { get; set; }

    public string? CorrelationId { get; set; }

    public string? UserName { get; set; }

    public Dictionary<string, object>? Headers { get; set; }

    public bool IsArchived { get; set; }

    public bool IsSkipped { get; set; }

    public string? AggregateTypeName { get; set; }

    /// <summary>Patient streams tag no events (Marten's tags serve cross-stream consistency boundaries).</summary>
    public IReadOnlyList<EventTag>? Tags => null;

    public void AddTag(EventTag tag) => throw new NotSupportedException("Events read back for a replay carry no tags.");

    public void AddTag<TTag>(TTag tag)
        where TTag : notnull => throw new NotSupportedException("Events read back for a replay carry no tags.");

    public void SetHeader(string key, object value) => (Headers ??= [])[key] = value;

    public object? GetHeader(string key) => Headers?.GetValueOrDefault(key);
}

/// <summary>Turns rows of the event table, selected as <see cref="Columns"/>, into <see cref="StoredEvent{T}"/>s.</summary>
internal static class StoredEvents
{
    /// <summary>The event table's columns a row must have, in this order, for <see cref="Read"/> (prefixed "d.").</summary>
    public const string Columns = "d.seq_id, d.id, d.stream_id, d.version, d.timestamp, d.tenant_id, d.type, d.data, d.headers, d.correlation_id, d.causation_id, d.user_name, d.is_archived, d.mt_dotnet_type";

    /// <summary>Every event type of a patient's stream by the name the event table stores (Marten's event type name).</summary>
    private static readonly Dictionary<string, EventType> Catalogue =
        Recording.PatientStreamEvents.Types.ToDictionary(type => type.GetEventTypeName(), EventType.Of, StringComparer.Ordinal);

    /// <summary>Types of events outside the catalogue, by their .NET type name, as they were met (see <see cref="TypeOf"/>).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, EventType?> Others = new(StringComparer.Ordinal);

    private sealed record EventType(Type Type, string DotNetTypeName, Func<object, IEvent> Wrap)
    {
        public static EventType Of(Type type) => new(type, $"{type.FullName}, {type.Assembly.GetName().Name}",
            typeof(StoredEvents).GetMethod(nameof(Wrap), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type).CreateDelegate<Func<object, IEvent>>());
    }

    /// <summary>
    /// The row's event type: the catalogue's, or for an event of a stream that is no patient's record (Marten's tombstones
    /// where a commit failed after taking sequence numbers; a test's probe), its .NET type by the row's name for it, as
    /// Marten resolves a type it was not told about.
    /// </summary>
    private static EventType TypeOf(NpgsqlDataReader reader, string typeName) =>
        Catalogue.GetValueOrDefault(typeName)
        ?? (reader.IsDBNull(13) ? null : Others.GetOrAdd(reader.GetString(13), name => Type.GetType(name) is { } type ? EventType.Of(type) : null))
        ?? throw new InvalidOperationException($"The event type '{typeName}' is neither in the patient stream's catalogue (Recording/PatientStreamEvents) nor a .NET type this process has.");

    private static StoredEvent<T> Wrap<T>(object data)
        where T : notnull => new StoredEvent<T>((T)data);

    /// <summary>The event in the reader's current row, its data read by <paramref name="serializer"/> (the session's, Marten's).</summary>
    /// <param name="tenant">The tenant every row read has (the query asked for one): not read again from each row.</param>
    public static IEvent Read(NpgsqlDataReader reader, ISerializer serializer, string? tenant = null)
    {
        var typeName = reader.GetString(6);
        var type = TypeOf(reader, typeName);
        var @event = type.Wrap(serializer.FromJson(type.Type, reader, 7));
        @event.Sequence = reader.GetInt64(0);
        @event.Id = reader.GetGuid(1);
        @event.StreamId = reader.GetGuid(2);
        @event.Version = reader.GetInt64(3);
        @event.Timestamp = reader.GetFieldValue<DateTimeOffset>(4);
        @event.TenantId = tenant ?? reader.GetString(5);
        @event.EventTypeName = typeName;
        @event.DotNetTypeName = type.DotNetTypeName;
        @event.Headers = reader.IsDBNull(8) ? null : Headers(EventStoreQueries.JsonbBytes(reader, 8));
        @event.CorrelationId = reader.IsDBNull(9) ? null : reader.GetString(9);
        @event.CausationId = reader.IsDBNull(10) ? null : reader.GetString(10);
        @event.UserName = reader.IsDBNull(11) ? null : reader.GetString(11);
        @event.IsArchived = !reader.IsDBNull(12) && reader.GetBoolean(12);
        return @event;
    }

    private static readonly byte[] ClientIdHeaderUtf8 = Encoding.UTF8.GetBytes(Recording.EventMetadata.ClientIdHeader);
    private static readonly byte[] RecordedAtHeaderUtf8 = Encoding.UTF8.GetBytes(Recording.EventMetadata.RecordedAtHeader);

    /// <summary>A headers object's members: strings as strings (recordedAt in round-trip form as its instant, which a
    /// rebuild reads for every entry: no string to keep and parse again), true and false as booleans, whole numbers as
    /// longs, other numbers as doubles, null as null, objects and arrays as JSON elements.</summary>
    internal static Dictionary<string, object>? Headers(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var headers = new Dictionary<string, object>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // The write path's two names are the same strings every time (EventMetadata's).
            var name = reader.ValueTextEquals(ClientIdHeaderUtf8) ? Recording.EventMetadata.ClientIdHeader
                : reader.ValueTextEquals(RecordedAtHeaderUtf8) ? Recording.EventMetadata.RecordedAtHeader
                : reader.GetString()!;
            reader.Read();
            if (ReferenceEquals(name, Recording.EventMetadata.RecordedAtHeader) && Http.OffsetRequiredConverter.TryReadRoundTrip(ref reader, out var recordedAt))
            {
                headers[name] = recordedAt;
                continue;
            }

            headers[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.True => true,
                JsonTokenType.False => false,
                JsonTokenType.Number => reader.TryGetInt64(out var whole) ? whole : reader.GetDouble(),
                JsonTokenType.Null => null!,
                _ => JsonElement.ParseValue(ref reader),
            };
        }

        return headers;
    }
}
