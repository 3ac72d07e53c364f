using System.Globalization;
using System.Text.Json;
using EventHealth.Http;
using JasperFx.Events;
using Marten;

namespace EventHealth.Recording;

/// <summary>
/// The server-side facts stored beside each event. Marten keeps the actor (user name) and correlation id in
/// its own columns; the client id and the application clock's recordedAt travel as headers. The write path sets them on
/// each event (<see cref="RecordWriter"/>).
/// </summary>
public static class EventMetadata
{
    public const string ClientIdHeader = "clientId";
    public const string RecordedAtHeader = "recordedAt";

    /// <summary>recordedAt from the application clock; Marten's own database timestamp for events written without one.</summary>
    public static DateTimeOffset RecordedAt(IEvent @event) =>
        @event.Headers?.GetValueOrDefault(RecordedAtHeader) switch
        {
            DateTimeOffset recordedAt => recordedAt,
            // Marten's header converter reads a string with an offset as the server's local time (Kind Local): that
            // instant, not its local clock reading taken for UTC (wrong by the server's offset on any host not on UTC).
            DateTime { Kind: DateTimeKind.Local } recordedAt => new DateTimeOffset(recordedAt).ToUniversalTime(),
            DateTime recordedAt => new DateTimeOffset(DateTime.SpecifyKind(recordedAt, DateTimeKind.Utc)),
            JsonElement { ValueKind: JsonValueKind.String } element when element.TryGetDateTimeOffset(out var recordedAt) => recordedAt,
            string text when TryParseRecordedAt(text, out var recordedAt) => recordedAt,
            _ => @event.Timestamp,
        };

    /// <summary>
    /// The write path stores recordedAt in the round-trip ("O") format, which the runtime parses on a fast path; the
    /// general parse, for any other text, was 3% of a rebuild's API time (docs/benchmarks.md, issue 23's eighteenth pass).
    /// </summary>
    private static bool TryParseRecordedAt(string text, out DateTimeOffset recordedAt) =>
        DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out recordedAt)
        || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out recordedAt);

    public static string? ClientId(IEvent @event) => Header(@event, ClientIdHeader);

    private static string? Header(IEvent @event, string name) =>
        @event.Headers?.TryGetValue(name, out var value) == true
            ? value switch
            {
                string text => text,
                JsonElement { ValueKind: JsonValueKind.String } element => element.GetString(),
                null => null,
                _ => value.ToString(),
            }
            : null;
}
