using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>Every span the host's tracer provider exported (OpenTelemetry's in-memory exporter writes here), safe to read while it writes.</summary>
public sealed class SpanCollection : ICollection<Activity>
{
    private readonly ConcurrentQueue<Activity> spans = new();

    public IReadOnlyList<Activity> InTrace(ActivityTraceId traceId) => spans.Where(s => s.TraceId == traceId).ToList();

    public int Count => spans.Count;

    public bool IsReadOnly => false;

    public void Add(Activity item) => spans.Enqueue(item);

    public void Clear() => spans.Clear();

    public bool Contains(Activity item) => spans.Contains(item);

    public void CopyTo(Activity[] array, int arrayIndex) => spans.ToArray().CopyTo(array, arrayIndex);

    public bool Remove(Activity item) => throw new NotSupportedException();

    public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)spans.ToArray()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
