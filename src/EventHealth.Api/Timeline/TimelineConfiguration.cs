namespace EventHealth.Timeline;

/// <summary>Configuration section <c>Timeline:Pages</c>.</summary>
public sealed class TimelinePagesOptions
{
    /// <summary>Memory for kept pages (a page of 100 items is about 90 KB); 0 keeps none.</summary>
    public int Megabytes { get; set; } = 16;

    /// <summary>How long a page is kept at most: the bound on what another instance's repair or erasure leaves here.</summary>
    public int Seconds { get; set; } = 300;
}

public static class TimelineConfiguration
{
    public static IHostApplicationBuilder AddTimeline(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TimelinePagesOptions>().BindConfiguration("Timeline:Pages")
            .Validate(options => options is { Megabytes: >= 0, Seconds: >= 0 }, "Timeline:Pages:Megabytes and Seconds must not be negative");
        builder.Services.AddSingleton<TimelinePages>();
        return builder;
    }
}
