using JasperFx.CommandLine;

namespace EventHealth.Sharding;

public sealed class MoveBucketInput : NetCoreInput
{
    [Description("The bucket to move, e.g. b007")]
    public string Bucket { get; set; } = "";

    [Description("The shard to move it to, e.g. shard02")]
    public string Shard { get; set; } = "";

    [Description("Undo an unfinished move that has not yet reassigned the bucket")]
    public bool RollbackFlag { get; set; }
}

/// <summary>
/// <c>dotnet EventHealth.Api.dll move-bucket b007 shard02 [--rollback]</c> (<c>ops/cli move-bucket …</c>): the runbook of
/// docs/operations.md, "Moving a bucket". Prints each step; exits non-zero, with the step that failed, when one does;
/// running it again resumes where it stopped.
/// </summary>
[Description("Moves a bucket of patients to another shard database (fence, copy, reassign, verify, drop)", Name = "move-bucket")]
public sealed class MoveBucketCommand : JasperFxAsyncCommand<MoveBucketInput>
{
    public override async Task<bool> Execute(MoveBucketInput input)
    {
        // Not started: the move needs the store and the registry, not this process's agents or jobs.
        using var host = input.BuildHost();
        var mover = host.Services.GetRequiredService<BucketMover>();
        try
        {
            if (input.RollbackFlag)
            {
                await mover.RollBackAsync(input.Bucket, Console.WriteLine, CancellationToken.None);
            }
            else
            {
                await mover.MoveAsync(input.Bucket, input.Shard, Console.WriteLine, CancellationToken.None);
            }

            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or TimeoutException)
        {
            await Console.Error.WriteLineAsync($"move-bucket stopped: {e.Message}");
            return false;
        }
    }
}
