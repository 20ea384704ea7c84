using System.Net;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// The end of an address's life. Docker deletes an endpoint first and releases its addresses next; a dockerd
/// that dies in between, or before either, never releases them. So a deleted endpoint is kept (marked deleted)
/// until its addresses are released, and when Docker re-creates a network, what the endpoints of the earlier
/// dockerd held is reclaimed.
/// </summary>
public sealed partial class IpamService
{
    /// <summary>Docker released an address: its pool gives it back, and a deleted endpoint that held it is done
    /// with.</summary>
    public void ReleaseAddress(string poolId, IPAddress address)
    {
        Durably(() => ReleaseAddressLocked(poolId, address));
        // After the IPAM's lock is let go: this takes networks' locks (see the class's summary).
        ForgetDeletedEndpointsHolding(address);
    }

    private void ReleaseAddressLocked(string poolId, IPAddress address)
    {
        using var held = Locked();
        // The gateway stays recorded until its pool goes: it belongs to the network, not to a container.
        if (_pools.TryGetValue(poolId, out var pool) && pool.Find(address) is { } allocation)
        {
            pool.Allocations.Remove(allocation);
            Freed(pool.Subnet, address);
            logger.LogInformation("Address {Address} released from pool {Pool}", address, pool.Id);
            if (!DeleteIfUnheld(pool)) Save(pool);
        }
    }

    /// <summary>Docker deleted the endpoint; it releases the endpoint's addresses right after. The caller holds the
    /// network's lock.</summary>
    public void EndpointDeleted(NetworkRecord network, EndpointRecord endpoint)
    {
        // Until Docker releases the addresses, the record says whose they were.
        endpoint.Deleted = true;
        if (!endpoint.HeldAddresses().Any()) network.Endpoints.Remove(endpoint.EndpointId);
        networks.Save(network);
    }

    /// <summary>
    /// The network's endpoints belong to a dockerd that is gone (Docker re-created the network): nobody will
    /// release their addresses, so they are freed here and the endpoints forgotten. --aux-addresses stay.
    /// Nor will that dockerd release its pool requests: they are dropped first, while the addresses still say
    /// which pools are the network's. The caller holds the network's lock.
    /// <para>
    /// The pools' releases are durable before the record stops naming the endpoints: a power loss in between leaves a
    /// record naming addresses no pool holds, which the next start holds again (<see cref="HoldAddressesOfNetworks"/>),
    /// never a pool holding addresses that no record names, which nothing would ever release.
    /// </para>
    /// </summary>
    public void ReclaimEndpointsOf(NetworkRecord network)
    {
        if (network.Endpoints.Count == 0) return;
        Durably(() => ReleaseForEarlierDockerd(network));
        network.Endpoints.Clear();
        networks.Save(network);
    }

    private void ReleaseForEarlierDockerd(NetworkRecord network)
    {
        using var held = Locked();
        DropRequestsOfEarlierDockerd(network);
        foreach (var address in network.Endpoints.Values.SelectMany(e => e.HeldAddresses())) Reclaim(address);
    }

    /// <summary>
    /// The network's --aux-addresses: requested like any address, they are marked so that the replay Docker
    /// sends when it re-creates a swarm network finds them already held, not taken.
    /// </summary>
    public void MarkAuxiliary(IPAddress address) => Durably(() => MarkAuxiliaryLocked(address));

    private void MarkAuxiliaryLocked(IPAddress address)
    {
        using var held = Locked();
        foreach (var pool in _pools.Values)
        {
            var allocation = pool.Find(address);
            if (allocation is null || allocation.Kind == AllocationKind.Auxiliary) continue;
            pool.Allocations.Add(allocation with { Kind = AllocationKind.Auxiliary });
            Save(pool);
        }
    }

    /// <summary>An address is held by one pool at most among the pools that share its subnet.</summary>
    private void Reclaim(IPAddress address)
    {
        foreach (var pool in _pools.Values)
        {
            var allocation = pool.Find(address);
            if (allocation is null || allocation.Kind == AllocationKind.Auxiliary) continue;
            pool.Allocations.Remove(allocation);
            Freed(pool.Subnet, address);
            Save(pool);
            logger.LogWarning("Address {Address} reclaimed in pool {Pool}: the dockerd that held it exited without " +
                "releasing it", address, pool.Id);
        }
    }

    /// <summary>
    /// Takes the lock of each network whose subnets hold the address, in turn: never call it with the IPAM's lock held.
    /// A network's subnets never change once it is recorded, so they are read without its lock.
    /// </summary>
    private void ForgetDeletedEndpointsHolding(IPAddress released)
    {
        var candidates = networks.All
            .Where(n => n.Subnets.Count == 0 || n.Subnets.Any(s => s.Subnet.Contains(released)));
        foreach (var network in candidates)
        {
            using var held = networks.LockNetwork(network.NetworkId);
            // Deleted while this waited: nothing of it to forget.
            if (networks.Find(network.NetworkId) != network) continue;
            var changed = false;
            foreach (var endpoint in network.Endpoints.Values.Where(e => e.Deleted).ToList())
            {
                if (endpoint.Address?.Address.Equals(released) == true) (endpoint.Address, changed) = (null, true);
                if (endpoint.AddressIPv6?.Address.Equals(released) == true)
                    (endpoint.AddressIPv6, changed) = (null, true);
                if (!endpoint.HeldAddresses().Any()) network.Endpoints.Remove(endpoint.EndpointId);
            }
            if (changed) networks.Save(network);
        }
    }
}
