using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EventHealth.Detection;
using EventHealth.IntegrationTests.Infrastructure;
using EventHealth.Recording;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace EventHealth.IntegrationTests.Http;

/// <summary>What a first-time reader of the repository finds: the README and docs/ stand on their own.</summary>
[Collection(ApiCollection.Name)]
public sealed partial class RepositoryDocsTests(AppFixture app)
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

    [Fact]
    public async Task The_contract_doc_lists_every_served_route()
    {
        var contract = ContractDoc();
        var paths = JsonNode.Parse(await ContractDocument.ServedAsync(app))!["paths"]!.AsObject();
        var routes = paths.SelectMany(path => path.Value!.AsObject().Select(operation => $"{operation.Key.ToUpperInvariant()} {path.Key}")).ToList();

        routes.ShouldNotBeEmpty();
        routes.Where(route => !contract.Contains($"`{route}`", StringComparison.Ordinal))
            .ShouldBeEmpty("served by /openapi/v1.json but not listed in docs/contract.md (as `METHOD /path`)");
    }

    [Fact]
    public void The_contract_doc_names_every_event_of_the_patient_stream()
    {
        var contract = ContractDoc();
        // The stream's catalogue, which is what Marten registers (checked here against the running store: Marten's own
        // event types, such as its stream-archiving marker, are not ours to document, this code never appends them),
        // and every entry type, catalogued or not (a unit test holds the catalogue to them).
        var registered = app.Host.Services.GetRequiredService<IDocumentStore>().Options.Events.AllKnownEventTypes()
            .Select(e => e.EventType).Where(type => type.Assembly == typeof(IPatientEntry).Assembly).ToList();
        registered.ShouldBe(PatientStreamEvents.Types, ignoreOrder: true);
        var entries = typeof(IPatientEntry).Assembly.GetTypes().Where(t => t.IsClass && !t.IsAbstract && t.IsAssignableTo(typeof(IPatientEntry)));
        var events = PatientStreamEvents.Types.Concat(entries).Distinct().ToList();

        events.ShouldContain(typeof(EntryRetracted));
        events.ShouldContain(typeof(EventHealth.Erasure.RecordErased));
        events.Where(type => !contract.Contains($"`{type.Name}`", StringComparison.Ordinal))
            .Select(type => type.Name).ShouldBeEmpty("events of the patient stream that docs/contract.md does not name");
    }

    private static string ContractDoc() => File.ReadAllText(Path.Combine(Repository.Root, "docs", "contract.md"));

    [GeneratedRegex(@"^## The (?<count>\w+) commands", RegexOptions.Multiline)]
    private static partial Regex CommandsHeading();

    [GeneratedRegex(@"\bdocs/(?<name>[A-Za-z0-9_-]+\.md)")]
    private static partial Regex DocsLink();
}
