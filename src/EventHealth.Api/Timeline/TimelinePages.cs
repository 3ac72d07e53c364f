using System.Buffers;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IO;

namespace EventHealth.Timeline;

/// <summary>
/// Live timeline pages' answers kept by record version. A page is a function of the record's version: every entry
/// document changes in the transaction that appends its event (inline projections), so a page answered at version
/// <c>v</c> is the answer for anyone who reads version <c>v</c> again. A read still reads the version (and the
/// erasure) from the database and still writes its access record; the page statement itself runs only when the record
/// has moved on (<see cref="Hosting.EventStoreQueries.TimelinePageAsync"/>). Documents changed without a new event (a
/// rebuild's repair, an erasure's rebuilt documents) empty it (<see cref="Forget"/>); other API instances see such a
/// change when their copy expires (<see cref="TimelinePagesOptions.Seconds"/>). docs/read-side.md, "Pages kept by version".
/// </summary>
public sealed class TimelinePages : IDisposable
{
    private readonly MemoryCache? _pages;
    private readonly TimeSpan _lifetime;

    public TimelinePages(Microsoft.Extensions.Options.IOptions<TimelinePagesOptions> options, TimeProvider clock)
    {
        var settings = options.Value;
        _lifetime = TimeSpan.FromSeconds(settings.Seconds);
        _pages = settings.Megabytes > 0 && settings.Seconds > 0
            ? new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.Megabytes * 1024L * 1024L, Clock = new Clock(clock) })
            : null;
    }

    /// <summary>The cache's clock for expiry: the application's.</summary>
    private sealed class Clock(TimeProvider clock) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }

    /// <summary>What identifies a page besides the record's version: the query's bounds and size.</summary>
    /// <param name="After">The cursor's sort key (null on a first page).</param>
    public readonly record struct Key(Guid PatientId, string? After, string FromKey, string BeforeKey, int Take);

    /// <summary>A page's answer as sent (UTF-8 JSON, in blocks under the large-object size) and its ETag.</summary>
    public sealed record Page(long Version, ReadOnlySequence<byte> Answer, string ETag);

    /// <summary>The page kept for <paramref name="key"/>, at whatever version it was answered; null when none is.</summary>
    public Page? Find(Key key) => _pages?.Get<Page>(key);

    /// <summary>Keeps a page answered at <paramref name="version"/>: the bytes of <paramref name="answer"/>, copied.</summary>
    public void Keep(Key key, long version, RecyclableMemoryStream answer, string etag)
    {
        if (_pages is null || answer.Length == 0)
        {
            return;
        }

        var page = new Page(version, Block.Copy(answer.GetReadOnlySequence()), etag);
        _pages.Set(key, page, new MemoryCacheEntryOptions { Size = answer.Length, AbsoluteExpirationRelativeToNow = _lifetime });
    }

    /// <summary>A copy of pooled bytes in arrays of their own, each under the large-object size as the pool's blocks are.</summary>
    private sealed class Block : ReadOnlySequenceSegment<byte>
    {
        private Block(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Copy(ReadOnlySequence<byte> source)
        {
            Block? first = null, last = null;
            foreach (var segment in source)
            {
                var block = new Block(segment.ToArray(), last is null ? 0 : last.RunningIndex + last.Memory.Length);
                if (last is null)
                {
                    first = block;
                }
                else
                {
                    last.Next = block;
                }

                last = block;
            }

            return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
        }
    }

    /// <summary>Drops every kept page: documents changed without a new version (repairs, erasures).</summary>
    public void Forget() => _pages?.Clear();

    public void Dispose() => _pages?.Dispose();
}
