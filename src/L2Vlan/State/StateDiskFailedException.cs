namespace L2Vlan.State;

/// <summary>
/// An fsync failed after the change was made in the page cache: whether it is on disk cannot be known, and Linux
/// may have dropped the failed pages, so a retry proves nothing. The service stops (see IpamService.Fatal).
/// </summary>
public sealed class StateDiskFailedException(string what, Exception cause)
    : IOException($"the state disk failed to sync {what} ({cause.Message})", cause);
