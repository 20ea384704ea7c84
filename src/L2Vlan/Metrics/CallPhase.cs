namespace L2Vlan.Metrics;

/// <summary>Where a protocol call spends its time inside l2vlan, besides its own computing.</summary>
public enum CallPhase
{
    /// <summary>
    /// Waiting for a lock that another call holds: an endpoint's, a network's, a bridge's or the IPAM's.
    /// </summary>
    LockWait,

    /// <summary>Netlink requests: the kernel's link, address and bridge work, and the wait for the socket.</summary>
    Kernel,

    /// <summary>Writing state durably: files written and fsynced, renames, folder and journal syncs.</summary>
    StateWrite,

    /// <summary>Waiting for the duplicate address probe's answer.</summary>
    Probe,
}
