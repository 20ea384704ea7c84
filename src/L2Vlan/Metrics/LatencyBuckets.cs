namespace L2Vlan.Metrics;

/// <summary>
/// The fixed upper bounds, in seconds, of a call's latency histogram: 1-2-5 steps from 0.1 ms to 50 s, then
/// everything longer. Fixed, so that counting a call is one increment and quantiles come from the counts.
/// </summary>
public static class LatencyBuckets
{
    public static readonly double[] UpperBounds =
    [
        0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
        0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, double.PositiveInfinity,
    ];

    /// <summary>The bucket a call of <paramref name="seconds"/> falls in.</summary>
    public static int IndexOf(double seconds)
    {
        var i = 0;
        while (seconds > UpperBounds[i]) i++;
        return i;
    }

    /// <summary>
    /// The <paramref name="q"/> quantile (0 to 1) estimated from per-bucket <paramref name="counts"/>, as Prometheus's
    /// histogram_quantile does: linear within the bucket it falls in; the last finite bound for the open bucket.
    /// </summary>
    public static double Quantile(double q, ReadOnlySpan<long> counts)
    {
        long total = 0;
        foreach (var c in counts) total += c;
        if (total == 0) return 0;
        var rank = q * total;
        long below = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (below + counts[i] >= rank && counts[i] > 0)
            {
                if (double.IsPositiveInfinity(UpperBounds[i])) return UpperBounds[i - 1];
                var lower = i == 0 ? 0 : UpperBounds[i - 1];
                return lower + ((UpperBounds[i] - lower) * (rank - below) / counts[i]);
            }
            below += counts[i];
        }
        return UpperBounds[^2];
    }
}
