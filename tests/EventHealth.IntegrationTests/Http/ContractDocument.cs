using System.Reflection;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Http;

/// <summary>The served OpenAPI document and the client code written against clients generated from it.</summary>
public static class ContractDocument
{
    public static async Task<string> ServedAsync(AppFixture app)
    {
        using var http = app.Host.Server.CreateClient();
        using var response = await http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public static string ClientSource(string fileName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Clients/" + fileName)
            ?? throw new InvalidOperationException($"{fileName} is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
