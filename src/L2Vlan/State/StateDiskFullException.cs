namespace L2Vlan.State;

/// <summary>
/// A state file could not be written (no space left, a quota, a read-only or failing disk): the change was not
/// made, on disk or in memory, and the call is refused. Docker shows the message; it names no path, and the
/// system's own words go to the journal.
/// </summary>
public sealed class StateDiskFullException(Exception cause)
    : IOException("no space left on the state disk, or it is read-only: l2vlan recorded nothing of this change; free " +
        "space on the disk holding l2vlan's state and try again", cause);
