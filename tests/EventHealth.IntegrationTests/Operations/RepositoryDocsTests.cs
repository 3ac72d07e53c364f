using System.Text.RegularExpressions;
using EventHealth.Detection;
using EventHealth.IntegrationTests.Infrastructure;

namespace EventHealth.IntegrationTests.Operations;

/// <summary>What a first-time reader of the repository finds: the README and docs/ stand on their own.</summary>
public sealed partial class RepositoryDocsTests
{
    private static readonly string[] Numbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    [Fact]
    public void The_readme_counts_its_commands_and_calling_the_api_starts_with_the_enrollment()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        var heading = CommandsHeading().Match(readme);
        heading.Success.ShouldBeTrue("the README has a 'The N commands' section");
        var rows = readme[heading.Index..].Split('\n').Skip(1).SkipWhile(line => !line.StartsWith('|')).TakeWhile(line => line.StartsWith('|'))
            .Count(line => line.StartsWith("| `", StringComparison.Ordinal));
        Array.IndexOf(Numbers, heading.Groups["count"].Value).ShouldBe(rows, "the heading counts the rows below it");

        var calling = readme[readme.IndexOf("## Calling the API", StringComparison.Ordinal)..];
        var firstCall = calling.Split('\n').First(line => line.TrimStart().StartsWith("curl", StringComparison.Ordinal));
        firstCall.ShouldContain("-X POST", Case.Sensitive, "a newcomer enrolls a record before reading it");
        firstCall.ShouldContain("/api/patients ", Case.Sensitive);
    }

    [Fact]
    public void No_document_points_to_a_file_outside_the_repository()
    {
        var documents = Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Append(Path.Combine(Repository.Root, "README.md"));
        foreach (var document in documents)
        {
            var text = File.ReadAllText(document);
            text.ShouldNotContain("shared/design", Case.Sensitive, $"{Path.GetFileName(document)} points to design files that are not in the repository");
            text.ShouldNotContain("shared/seed", Case.Sensitive, Path.GetFileName(document));
            foreach (Match linked in DocsLink().Matches(text))
            {
                File.Exists(Path.Combine(Repository.Root, "docs", linked.Groups["name"].Value)).ShouldBeTrue($"{Path.GetFileName(document)} names {linked.Value}");
            }
        }
    }

    [Fact]
    public void The_detection_doc_states_what_every_live_rule_matches()
    {
        var detection = File.ReadAllLines(Path.Combine(Repository.Root, "docs", "detection.md"));
        foreach (var rule in DetectionRules.Current)
        {
            var row = detection.FirstOrDefault(line => line.StartsWith($"| `{rule.RuleId}` |", StringComparison.Ordinal));
            row.ShouldNotBeNull($"docs/detection.md has a row saying what {rule.RuleId} matches");
            row.Split('|', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBeGreaterThanOrEqualTo(4, row);
        }
    }

    [GeneratedRegex(@"^## The (?<count>\w+) commands", RegexOptions.Multiline)]
    private static partial Regex CommandsHeading();

    [GeneratedRegex(@"\bdocs/(?<name>[A-Za-z0-9_-]+\.md)")]
    private static partial Regex DocsLink();
}
