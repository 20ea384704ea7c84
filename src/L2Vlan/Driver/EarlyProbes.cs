using System.Collections.Concurrent;

namespace L2Vlan.Driver;

/// <summary>
/// Duplicate address probes started when an endpoint is created, so that its Join, which Docker sends once it has
/// made the container's namespace, waits only for what is left of the probe's fixed time. Each probe runs on a thread
/// of its own (it blocks on the wire, and a burst of endpoints must not hold up the pool that serves calls); it is
/// taken by the endpoint's Join, or cancelled when the endpoint or its network is deleted first. Kept in memory only:
/// a Join after a restart probes again.
/// </summary>
public sealed class EarlyProbes
{
    private sealed record Pending(Task Probe, CancellationTokenSource Cancel, DuplicateAddressCheck.Target Target);

    private readonly ConcurrentDictionary<(string Network, string Endpoint), Pending> _pending = new();

    /// <summary>How many probes wait for their Join.</summary>
    public int Count => _pending.Count;

    /// <summary>Starts <paramref name="probe"/> for the endpoint, cancelling one started before for it.</summary>
    public void Start(string networkId, string endpointId, DuplicateAddressCheck.Target target,
        Action<DuplicateAddressCheck.Target, CancellationToken> probe)
    {
        Cancel(networkId, endpointId);
        var cancel = new CancellationTokenSource();
        var task = Task.Factory.StartNew(() => probe(target, cancel.Token), cancel.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _pending[(networkId, endpointId)] = new Pending(task, cancel, target);
    }

    /// <summary>
    /// The endpoint's probe, no longer pending, when one was started for <paramref name="target"/> (the same
    /// addresses and MAC); null when none was (a restart since, or probing was off when the endpoint was made).
    /// </summary>
    public Task? Take(string networkId, string endpointId, DuplicateAddressCheck.Target target)
    {
        if (!_pending.TryRemove((networkId, endpointId), out var pending)) return null;
        if (Same(pending.Target, target)) return pending.Probe;
        pending.Cancel.Cancel();
        return null;
    }

    /// <summary>The endpoint is deleted: its probe stops and its answer is dropped.</summary>
    public void Cancel(string networkId, string endpointId)
    {
        if (_pending.TryRemove((networkId, endpointId), out var pending)) pending.Cancel.Cancel();
    }

    /// <summary>The network is deleted: every probe of its endpoints stops.</summary>
    public void CancelNetwork(string networkId)
    {
        foreach (var key in _pending.Keys.Where(k => k.Network == networkId)) Cancel(key.Network, key.Endpoint);
    }

    private static bool Same(DuplicateAddressCheck.Target a, DuplicateAddressCheck.Target b) =>
        a.VlanLink == b.VlanLink && a.Mac.Equals(b.Mac) && a.Addresses.SequenceEqual(b.Addresses);
}
