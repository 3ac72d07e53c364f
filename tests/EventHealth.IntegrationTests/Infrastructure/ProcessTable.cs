using System.Globalization;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// Linux's process table (<c>/proc</c>), for killing PostgreSQL clusters as a crash would and waiting until they are
/// gone. Shared by the integration tests and the fault suite (ops/fault-suite compiles this file).
/// </summary>
public static class ProcessTable
{
    /// <summary>Running and not a zombie (a killed process whose parent has not reaped it yet holds nothing).</summary>
    public static bool IsRunning(int pid) => StateFields(pid) is { } fields && fields[0] != "Z";

    public static List<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == parent)
            .ToList();

    public static int? ParentOf(int pid) => StateFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name ("pid (comm) state ppid …": comm may hold spaces
    /// and parentheses, so read after the last ')'); null once the process is gone.
    /// </summary>
    private static string[]? StateFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }
}
