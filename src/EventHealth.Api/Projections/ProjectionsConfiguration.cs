namespace EventHealth.Projections;

public static class ProjectionsConfiguration
{
    public static IHostApplicationBuilder AddProjectionVerification(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProjectionVerifier>();
        return builder;
    }
}
