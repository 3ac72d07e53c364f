using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Reads what arrived at the MailDev SMTP server through its REST API (<c>GET /email</c>).</summary>
public sealed class MailDevInbox(string baseUrl) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };

    public async Task<IReadOnlyList<ReceivedEmail>> AllAsync() =>
        await http.GetFromJsonAsync<List<ReceivedEmail>>("/email") ?? [];

    /// <summary>Polls until at least one message matches, or the timeout passes; returns the matches.</summary>
    public async Task<IReadOnlyList<ReceivedEmail>> WaitForAsync(Func<ReceivedEmail, bool> match, TimeSpan timeout, int atLeast = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = (await AllAsync()).Where(match).ToList();
            if (found.Count >= atLeast || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(200);
        }
    }

    public Task<byte[]> AttachmentAsync(ReceivedEmail email, ReceivedAttachment attachment) =>
        http.GetByteArrayAsync($"/email/{email.Id}/attachment/{attachment.GeneratedFileName}");

    public void Dispose() => http.Dispose();
}

public sealed record ReceivedEmail(
    string Id,
    string Subject,
    string? Text,
    string? Html,
    [property: JsonPropertyName("to")] IReadOnlyList<EmailAddress> To,
    [property: JsonPropertyName("from")] IReadOnlyList<EmailAddress> From,
    IReadOnlyDictionary<string, object>? Headers,
    [property: JsonPropertyName("messageId")] string? MessageId,
    IReadOnlyList<ReceivedAttachment>? Attachments);

public sealed record ReceivedAttachment(string ContentType, string? ContentId, string GeneratedFileName, int Length);

public sealed record EmailAddress(string Address, string? Name);
