using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// A real TCP listener in front of the in-memory test host, so that a real browser or a client in another process
/// (the generated TypeScript client under node) can reach it: every request is passed on unchanged (headers, cookies,
/// redirects and all) and the answer copied back. No cookie jar, no redirect following: the client does those.
/// </summary>
public sealed class BrowserGateway : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase) { "Transfer-Encoding", "Connection", "Keep-Alive" };

    private readonly WebApplication gateway;
    private readonly HttpClient upstream;

    private BrowserGateway(WebApplication gateway, HttpClient upstream, Uri address)
    {
        this.gateway = gateway;
        this.upstream = upstream;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<BrowserGateway> StartAsync(TestServer server)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var upstream = new HttpClient(server.CreateHandler()) { Timeout = TimeSpan.FromSeconds(60) };
        app.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method),
                new Uri($"http://{context.Request.Host}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}"));
            if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                request.Content = new StreamContent(context.Request.Body);
            }

            foreach (var (name, values) in context.Request.Headers)
            {
                if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                {
                    request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
            }

            using var response = await upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers.Append(name, values.ToArray());
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BrowserGateway(app, upstream, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        upstream.Dispose();
        await gateway.StopAsync();
        await gateway.DisposeAsync();
    }
}
