namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>
/// The host's TimeProvider in tests: the real clock, unless a test sets it. Tests of one collection run one at a
/// time, so a test that sets the clock owns it until it disposes what <see cref="Set"/> returned.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset? now;

    public override DateTimeOffset GetUtcNow() => now ?? base.GetUtcNow();

    public IDisposable Set(DateTimeOffset at)
    {
        now = at.ToUniversalTime();
        return new Reset(this);
    }

    public void MoveTo(DateTimeOffset at) => now = at.ToUniversalTime();

    private sealed class Reset(TestClock clock) : IDisposable
    {
        public void Dispose() => clock.now = null;
    }
}
