using System.Buffers;
using System.IO.Hashing;
using Microsoft.IO;

namespace EventHealth.Http;

/// <summary>
/// An /api answer held in memory before it leaves: the access audit holds every answer until its record is committed
/// (<see cref="Access.AccessAudit"/>), and a conditional GET hashes the same bytes for its ETag
/// (<see cref="ConditionalGets"/>). Both hold it in one buffer from a bounded pool: a page of 100 timeline items is
/// about 90 KB, and two growing <see cref="MemoryStream"/>s allocated over half a megabyte a page, part of it on the
/// large object heap (docs/benchmarks.md, issue 23's fourth pass).
/// </summary>
public static class HeldAnswers
{
    private static readonly RecyclableMemoryStreamManager Pool = new(new RecyclableMemoryStreamManager.Options
    {
        // Most answers fit one block; a timeline page takes a few.
        BlockSize = 16 * 1024,
        LargeBufferMultiple = 256 * 1024,
        // What the pool keeps between requests is bounded; beyond it, returned blocks go to the GC.
        MaximumSmallPoolFreeBytes = 8 * 1024 * 1024,
        MaximumLargePoolFreeBytes = 8 * 1024 * 1024,
    });

    /// <summary>A new pooled buffer for an answer; disposing it returns its memory to the pool.</summary>
    public static RecyclableMemoryStream Hold() => Pool.GetStream("answer");

    /// <summary>The buffer an outer middleware already holds this request's answer in, if any.</summary>
    public static RecyclableMemoryStream? Current(HttpContext context) => context.Response.Body as RecyclableMemoryStream;

    /// <summary>
    /// Sends a held answer (the response body is Kestrel's again). Its length is known, so it goes with a Content-Length rather
    /// than in chunks, and to Kestrel's pipe in one flush rather than one write per 16 KB block (a timeline page was six
    /// chunked writes). An answer already started (nothing here starts one) is copied on as it was.
    /// </summary>
    public static async Task ReleaseAsync(HttpContext context, RecyclableMemoryStream held)
    {
        if (held.Length == 0)
        {
            return;
        }

        var response = context.Response;
        if (response.HasStarted)
        {
            held.Position = 0;
            await held.CopyToAsync(response.Body, context.RequestAborted);
            return;
        }

        response.ContentLength ??= held.Length;
        await SendAsync(response, held.GetReadOnlySequence(), context.RequestAborted);
    }

    /// <summary>Writes an answer's bytes to the response's pipe and hands them on in one flush.</summary>
    public static async Task SendAsync(HttpResponse response, ReadOnlySequence<byte> answer, CancellationToken cancellation)
    {
        foreach (var segment in answer)
        {
            response.BodyWriter.Write(segment.Span);
        }

        await response.BodyWriter.FlushAsync(cancellation);
    }

    /// <summary>
    /// A 128-bit hash of the bytes written from <paramref name="start"/> on, without copying them out of the pool, as 32 hex
    /// digits. XxHash128: an ETag must change when the answer does, which needs no cryptographic strength; SHA-256 over a
    /// 90 KB timeline page was 5% of the page's API time (docs/benchmarks.md, issue 23's seventeenth pass).
    /// </summary>
    public static string Hash(RecyclableMemoryStream held, long start)
    {
        var hash = new XxHash128();
        foreach (var segment in held.GetReadOnlySequence().Slice(start))
        {
            hash.Append(segment.Span);
        }

        Span<byte> digest = stackalloc byte[16];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }
}
