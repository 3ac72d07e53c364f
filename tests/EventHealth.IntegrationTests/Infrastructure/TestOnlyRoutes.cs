using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Routes that exist only in the test host, placed after the application's own pipeline so that the
/// application's error handling wraps them exactly as it wraps real endpoints.
/// </summary>
internal sealed class TestOnlyRoutes : IStartupFilter
{
    public const string ThrowingRoute = "/__tests/throw";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        next(app);
        app.Map(ThrowingRoute, branch => branch.Run(_ => throw new InvalidOperationException("secret internal detail")));
    };

}
