using System.Net;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// How long a pool lives. Networks with the same subnet and range share one pool (its ID says what it is), so
/// a pool counts the RequestPools that hold it, and one network's ReleasePool does not take it from another.
/// Docker sends RequestPool when it creates a network (a --config-only network gets none; one made with
/// --config-from gets its own) and ReleasePool when it deletes it or rolls a failed create back. One flow breaks
/// the balance: a dockerd that was killed never releases its swarm networks' pools, and the next one requests
/// them again when it re-creates those networks under the same IDs; that stale request is dropped then (a
/// clean stop releases them, and dockerd does not ask again for its local networks' pools when it starts).
/// The count can be too high (a re-created network that had no endpoint: nothing says which pool was its),
/// which only keeps a pool longer; it can be too low only for a pool the previous release wrote, which counts
/// 1 whatever shared it. So that no pool goes while in use, a pool is deleted when no request holds it, none of
/// its addresses is handed out (a network of another driver may use l2vlan's IPAM), and no l2vlan network still
/// needs it: Docker 20.10 releases a pool before it deletes the network, and until then the network's gateway and
/// --aux-addresses must stay taken. A network needs the pool only for what no other pool of its subnet holds, so
/// with one network per fixed address (many --ip-range x/32 pools sharing a subnet and its router) each removed
/// network's pool goes with it, and the last one goes with the last network of the subnet.
/// </summary>
public sealed partial class IpamService
{
    /// <summary>Docker deleted a network of the pool (or gave up creating one): the pool goes with its last
    /// holder.</summary>
    public void ReleasePool(string poolId) => Durably(() => ReleasePoolLocked(poolId));

    private void ReleasePoolLocked(string poolId)
    {
        using var held = Locked();
        if (!_pools.TryGetValue(poolId, out var pool)) return;
        pool.Holders = Math.Max(0, pool.Holders - 1);
        if (DeleteIfUnheld(pool)) return;
        Save(pool);
        if (pool.Holders > 0)
        {
            logger.LogInformation("Pool {Pool} released by one network; {Holders} requests still hold it", poolId,
                pool.Holders);
        }
        else
        {
            logger.LogInformation("Pool {Pool} released; kept while an l2vlan network of subnet {Subnet} or an " +
                "address of the pool is in use", poolId, pool.Subnet);
        }
    }

    /// <summary>The network is gone: a pool of its subnets that no request holds any more goes now.</summary>
    public void NetworkDeleted(NetworkRecord network)
    {
        using var held = Locked();
        var unheld = _pools.Values
            .Where(p => p.Holders == 0 && network.Subnets.Any(s => s.Subnet == p.Subnet)).ToList();
        foreach (var pool in unheld)
            DeleteIfUnheld(pool);
    }

    /// <summary>
    /// Docker re-created the network, and requested its pools again just before: the dockerd that died will never
    /// release its own request. The network's pools are the ones its endpoints' addresses came from; a network
    /// that had no endpoint keeps the extra holder, which only keeps its pool (and the pool's gateways) longer.
    /// </summary>
    private void DropRequestsOfEarlierDockerd(NetworkRecord network)
    {
        var pools = network.Endpoints.Values
            .SelectMany(e => e.HeldAddresses())
            .Select(address =>
                _pools.Values.FirstOrDefault(p => p.Find(address) is { Kind: not AllocationKind.Auxiliary }))
            .OfType<AddressPool>()
            .Distinct();
        foreach (var pool in pools)
        {
            // One holder is the new dockerd's; a pool of the previous release may not have counted the earlier one.
            if (pool.Holders <= 1) continue;
            pool.Holders--;
            Save(pool);
            logger.LogInformation("Pool {Pool}: the request of the dockerd that exited without releasing it is " +
                "dropped; {Holders} requests hold it",
                pool.Id, pool.Holders);
        }
    }

    /// <summary>Deletes the pool when nothing uses it: no request, no address handed out, no l2vlan network that needs
    /// it.</summary>
    private bool DeleteIfUnheld(AddressPool pool)
    {
        var inUse = pool.Holders > 0
            || pool.Allocations.Any(a => a.Kind != AllocationKind.Auxiliary)
            || NeededByANetwork(pool);
        if (inUse) return false;
        try
        {
            _files.Delete(pool.Id);
        }
        catch (StateDiskFullException)
        {
            Undo(pool);
            throw;
        }
        _pools.Remove(pool.Id);
        // Its addresses are free for the pools that share its subnet.
        _freeFrom.Clear();
        logger.LogInformation("Pool {Pool} released", pool.Id);
        return true;
    }

    /// <summary>
    /// Whether an l2vlan network of the pool's subnet has its gateway or an --aux-address in this pool and in no other
    /// pool of the subnet; a network of the subnet that names none of them (its gateway came from another IPAM) keeps
    /// the pool as before. Networks and the other pools are each read once: a subnet may have thousands of both.
    /// </summary>
    private bool NeededByANetwork(AddressPool pool)
    {
        var ofSubnet = _pools.Values.Where(p => p != pool && p.Subnet == pool.Subnet).ToList();
        static bool Holds(AddressPool p, IPAddress address) => p.Gateways.Contains(address)
            || p.Find(address) is not null;
        var elsewhere = new Dictionary<IPAddress, bool>();
        bool HeldElsewhere(IPAddress address) =>
            elsewhere.TryGetValue(address, out var held) ? held
                : elsewhere[address] = ofSubnet.Any(p => Holds(p, address));
        foreach (var network in networks.All)
        {
            var subnet = network.Subnets.FirstOrDefault(s => s.Subnet == pool.Subnet);
            if (subnet is null) continue;
            var names = (network.AuxAddresses ?? []).Where(pool.Subnet.Contains).ToList();
            if (subnet.Gateway is { } gateway) names.Add(gateway.Address);
            var here = names.Where(a => Holds(pool, a)).ToList();
            if (here.Count == 0 ? names.All(a => !HeldElsewhere(a)) : here.Any(a => !HeldElsewhere(a))) return true;
        }
        return false;
    }
}
