using EventHealth.Http;

namespace EventHealth.UnitTests.Http;

public sealed class ConditionalGetTests
{
    [Theory]
    [InlineData("\"7\"", "\"7\"", true)]
    [InlineData("W/\"7\"", "\"7\"", true)]
    [InlineData("\"6\", \"7\"", "\"7\"", true)]
    [InlineData("*", "\"7\"", true)]
    [InlineData("\"6\"", "\"7\"", false)]
    [InlineData("", "\"7\"", false)]
    [InlineData("7", "\"7\"", false)]
    public void If_None_Match_uses_the_weak_comparison(string ifNoneMatch, string etag, bool matches) =>
        ConditionalGets.Matches(ifNoneMatch, etag).ShouldBe(matches);
}
