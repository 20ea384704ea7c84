using System.Diagnostics;

namespace L2Vlan.Metrics;

/// <summary>One protocol call's counters, updated without a lock (interlocked adds) and read as a snapshot.</summary>
public sealed class CallStats(string name)
{
    private readonly long[] _buckets = new long[LatencyBuckets.UpperBounds.Length];
    private readonly long[] _phaseTicks = new long[CallClock.Phases];
    private long _calls;
    private long _errors;
    private long _ticks;

    /// <summary>The call as Docker names it, e.g. NetworkDriver.Join.</summary>
    public string Name { get; } = name;

    internal void Record(long ticks, bool failed, ReadOnlySpan<long> phaseTicks)
    {
        Interlocked.Increment(ref _buckets[LatencyBuckets.IndexOf((double)ticks / Stopwatch.Frequency)]);
        Interlocked.Add(ref _ticks, ticks);
        for (var i = 0; i < phaseTicks.Length; i++)
            if (phaseTicks[i] != 0) Interlocked.Add(ref _phaseTicks[i], phaseTicks[i]);
        if (failed) Interlocked.Increment(ref _errors);
        // Last: a reader that sees the count sees the rest (a scrape mid-call may lag by that one call).
        Interlocked.Increment(ref _calls);
    }

    public CallSnapshot Snapshot()
    {
        var calls = Volatile.Read(ref _calls);
        return new CallSnapshot(
            Name,
            calls,
            Volatile.Read(ref _errors),
            Seconds(Volatile.Read(ref _ticks)),
            Read(_phaseTicks).Select(Seconds).ToArray(),
            Read(_buckets));
    }

    private static long[] Read(long[] counters)
    {
        var copy = new long[counters.Length];
        for (var i = 0; i < counters.Length; i++) copy[i] = Interlocked.Read(ref counters[i]);
        return copy;
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}

/// <summary>
/// A call's counters at one moment: seconds in total and per <see cref="CallPhase"/>, and the histogram's counts.
/// </summary>
public sealed record CallSnapshot(
    string Name, long Calls, long Errors, double Seconds, double[] PhaseSeconds, long[] Buckets)
{
    public double P50 => LatencyBuckets.Quantile(0.50, Buckets);
    public double P99 => LatencyBuckets.Quantile(0.99, Buckets);
}
