using System.Diagnostics;

namespace L2Vlan.Metrics;

/// <summary>
/// The time the protocol call running on this thread spends in each <see cref="CallPhase"/>. A call runs on one
/// thread from start to answer (the dispatcher is synchronous), so the sums live in thread-static fields: measuring
/// a phase takes two timestamps and allocates nothing. Outside a call (a background delete, start-up) nothing is
/// counted, and a phase inside another (a netlink request while waiting for a probe) counts once, in the outer one.
/// </summary>
public static class CallClock
{
    public const int Phases = 4;

    [ThreadStatic] private static bool InCall;
    [ThreadStatic] private static bool InPhase;
    [ThreadStatic] private static long LockWaitTicks;
    [ThreadStatic] private static long KernelTicks;
    [ThreadStatic] private static long StateWriteTicks;
    [ThreadStatic] private static long ProbeTicks;

    /// <summary>Starts timing <paramref name="phase"/> until the returned value is disposed.</summary>
    public static PhaseTimer Time(CallPhase phase)
    {
        if (!InCall || InPhase) return default;
        InPhase = true;
        return new PhaseTimer(phase, Stopwatch.GetTimestamp());
    }

    /// <summary>A call begins on this thread: its phase sums start at zero.</summary>
    internal static void BeginCall()
    {
        InCall = true;
        InPhase = false;
        LockWaitTicks = KernelTicks = StateWriteTicks = ProbeTicks = 0;
    }

    /// <summary>The call ends: its phase sums, in <see cref="Stopwatch"/> ticks, by <see cref="CallPhase"/>.</summary>
    internal static void EndCall(Span<long> phaseTicks)
    {
        phaseTicks[(int)CallPhase.LockWait] = LockWaitTicks;
        phaseTicks[(int)CallPhase.Kernel] = KernelTicks;
        phaseTicks[(int)CallPhase.StateWrite] = StateWriteTicks;
        phaseTicks[(int)CallPhase.Probe] = ProbeTicks;
        InCall = false;
    }

    private static void Add(CallPhase phase, long ticks)
    {
        InPhase = false;
        switch (phase)
        {
            case CallPhase.LockWait: LockWaitTicks += ticks; break;
            case CallPhase.Kernel: KernelTicks += ticks; break;
            case CallPhase.StateWrite: StateWriteTicks += ticks; break;
            case CallPhase.Probe: ProbeTicks += ticks; break;
        }
    }

    /// <summary>One phase being timed; the default value (no call, or inside another phase) times nothing.</summary>
    public readonly struct PhaseTimer(CallPhase phase, long started) : IDisposable
    {
        public void Dispose()
        {
            if (started != 0) Add(phase, Stopwatch.GetTimestamp() - started);
        }
    }
}
