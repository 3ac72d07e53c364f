namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>The repository the tests run from, for tests that read its files (scripts, compose file, clients).</summary>
public static class Repository
{
    /// <summary>The first directory above the test assembly that holds EventHealth.sln.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EventHealth.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("EventHealth.sln not found above the test assembly");
    }
}
