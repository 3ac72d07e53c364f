namespace EventHealth.Detection;

/// <summary>
/// Where detection left a record: the stream version it evaluated through, and when time alone could change the
/// answer. The job picks a record again only when its stream moved past the version or the review time has come.
/// </summary>
public sealed record DetectionCheckpoint
{
    public Guid Id { get; init; }
    public long EvaluatedThroughVersion { get; init; }
    public DateTimeOffset EvaluatedAt { get; init; }
    public DateTimeOffset? NextReviewAt { get; init; }
}
