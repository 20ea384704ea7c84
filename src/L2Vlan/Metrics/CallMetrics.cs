using System.Collections.Concurrent;
using System.Diagnostics;

namespace L2Vlan.Metrics;

/// <summary>
/// Counts every protocol call the service answers: how many, how many failed, a latency histogram, and the time
/// spent in each <see cref="CallPhase"/>. A call's counters are made on its first call and never dropped (the
/// calls are a fixed set); counting allocates nothing and takes no lock. Shown by <c>l2vlan status --calls</c> and
/// as Prometheus text on the socket (GET /metrics).
/// </summary>
public sealed class CallMetrics
{
    private readonly ConcurrentDictionary<string, CallStats> _calls = new(StringComparer.Ordinal);

    /// <summary>Starts counting a call of <paramref name="path"/> (/Interface.Method) on this thread.</summary>
    public Call Begin(string path)
    {
        var stats = _calls.GetOrAdd(path, static p => new CallStats(p.TrimStart('/')));
        CallClock.BeginCall();
        return new Call(stats, Stopwatch.GetTimestamp());
    }

    /// <summary>Every call seen so far, by name.</summary>
    public IReadOnlyList<CallSnapshot> Snapshot() =>
        [.. _calls.Values.Select(c => c.Snapshot()).OrderBy(c => c.Name, StringComparer.Ordinal)];

    /// <summary>One call being counted; <see cref="End"/> once, on the thread that began it.</summary>
    public readonly struct Call(CallStats stats, long started)
    {
        public void End(bool failed)
        {
            var elapsed = Stopwatch.GetTimestamp() - started;
            Span<long> phases = stackalloc long[CallClock.Phases];
            CallClock.EndCall(phases);
            stats.Record(elapsed, failed, phases);
        }
    }
}
