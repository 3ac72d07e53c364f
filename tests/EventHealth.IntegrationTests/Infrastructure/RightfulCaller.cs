using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Test host only, in front of the whole pipeline: a request without an Authorization header gets the token of its
/// rightful caller (<see cref="TestTokens.RightfulFor"/>), so tests that are not about access need not mint tokens.
/// Access tests send their own header, or <see cref="AppFixture.AnonymousHeader"/> to send none at all.
/// </summary>
internal sealed class RightfulCaller : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, proceed) =>
        {
            if (context.Request.Headers.Authorization.Count == 0 && !context.Request.Headers.ContainsKey(AppFixture.AnonymousHeader))
            {
                string? body = null;
                if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path == "/api/patients")
                {
                    context.Request.EnableBuffering();
                    body = await new StreamReader(context.Request.Body, leaveOpen: true).ReadToEndAsync();
                    context.Request.Body.Position = 0;
                }

                if (TestTokens.RightfulFor(context.Request.Method, context.Request.Path.Value ?? "", body) is { } token)
                {
                    context.Request.Headers.Authorization = $"Bearer {token}";
                }
            }

            await proceed(context);
        });
        next(app);
    };
}
