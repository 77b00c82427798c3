using System.Diagnostics;

namespace AGServer.Bench;

/// <summary>Latency samples in milliseconds, from Stopwatch timestamps taken in this process.</summary>
public sealed class Latencies
{
    private readonly List<double> _samples = new();

    public void Add(long startTimestamp)
    {
        var ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (_samples) _samples.Add(ms);
    }

    public int Count
    {
        get
        {
            lock (_samples) return _samples.Count;
        }
    }

    public double Percentile(double p)
    {
        lock (_samples)
        {
            if (_samples.Count == 0) return double.NaN;
            var sorted = _samples.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
        }
    }
}
