
namespace L2Vlan.State;

/// <summary>The <see cref="IStateDisk"/> every state write goes through: the real one, unless a test puts another
/// in.</summary>
public static class StateDisk
{
    /// <remarks>Timed: the protocol calls' counters show how long each call spent writing state.</remarks>
    public static IStateDisk Current { get; set; } = new TimedStateDisk(new SystemStateDisk());

    /// <summary>
    /// What the service does when an fsync fails (it stops, once, saying why); unset, the failure is only thrown.
    /// </summary>
    public static Action<StateDiskFailedException>? OnSyncFailure { get; set; }

    /// <summary>A write was refused: nothing of it is to be kept, and the caller refuses the call.</summary>
    public static bool IsRefusal(Exception e) => e is IOException or UnauthorizedAccessException
        && e is not StateDiskFailedException;

    /// <summary>Reports an fsync that failed to <see cref="OnSyncFailure"/>; returns the exception for the caller to
    /// throw.</summary>
    public static StateDiskFailedException SyncFailed(string what, Exception cause)
    {
        var failed = cause as StateDiskFailedException ?? new StateDiskFailedException(what, cause);
        OnSyncFailure?.Invoke(failed);
        return failed;
    }
}
