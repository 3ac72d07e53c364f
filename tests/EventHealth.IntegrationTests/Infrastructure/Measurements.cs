using System.Diagnostics.Metrics;

namespace EventHealth.IntegrationTests.Infrastructure;

/// <summary>What one instrument (by name, any meter of the process) records while this is open.</summary>
public sealed class Measurements<T> : IDisposable where T : struct
{
    private readonly MeterListener listener = new();
    private readonly List<T> values = [];

    public Measurements(string instrument)
    {
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<T>((_, value, _, _) =>
        {
            lock (values)
            {
                values.Add(value);
            }
        });
        listener.Start();
    }

    public IReadOnlyList<T> Values
    {
        get
        {
            lock (values)
            {
                return [.. values];
            }
        }
    }

    public void Dispose() => listener.Dispose();
}
