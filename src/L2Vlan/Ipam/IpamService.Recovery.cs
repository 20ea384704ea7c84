using System.Net;
using L2Vlan.Domain;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// The start-up cross-check of the pools against the networks' records. A pool file that cannot be read is
/// quarantined, and with it the knowledge of which addresses are taken: left so, its range would hand out
/// again the addresses running containers hold, and its gateway, the router's address. The network records
/// know those addresses too, so once both are loaded every address a record uses is held by a pool again.
/// </summary>
public sealed partial class IpamService
{
    /// <summary>
    /// Run once pools and networks are loaded. First the quarantined pools a network still uses are re-created
    /// from their file names, which are their IDs, so Docker's later calls with those IDs find them: those
    /// quarantined at this start, and those of a subnet that has no pool left (quarantined at an earlier start,
    /// or by a start killed before it re-created them). Then every gateway, --aux-address and endpoint address
    /// the networks record, in a subnet that has a pool, is held by a pool of its subnet: one that holds none is
    /// held again by the pool whose range holds it (the narrowest; a quarantined one is re-created for it), else
    /// by any pool of the subnet. A deleted endpoint's address held by none, and in no lost pool's range, was
    /// released by Docker just before a crash: the release is finished instead. Last, a pool that no request holds,
    /// that hands out no address and that no network needs goes, as the network's delete that a crash cut short
    /// would have removed it. Subnets with no pool are not l2vlan's to manage (the network uses another IPAM). Runs
    /// at start, before any call is served, so it takes no lock.
    /// </summary>
    public void HoldAddressesOfNetworks()
    {
        // Indexed once: a scan of every pool per address made a start with thousands of networks quadratic.
        _heldAtStart = _pools.Values.SelectMany(p => p.Allocations.Select(a => a.Address).Concat(p.Gateways)
            .Where(p.Subnet.Contains)).ToHashSet();
        _poolSubnets = _pools.Values.Select(p => p.Subnet).ToHashSet();
        try
        {
            HoldAddressesOfNetworksUnlocked();
        }
        finally
        {
            (_heldAtStart, _poolSubnets) = (null, null);
            Durable();
        }
    }

    // What the pools hold and their subnets, for the length of HoldAddressesOfNetworks; kept up to date as it adds.
    private HashSet<IPAddress>? _heldAtStart;
    private HashSet<Cidr>? _poolSubnets;

    private void HoldAddressesOfNetworksUnlocked()
    {
        var lost = QuarantinedPools();
        var withPools = _pools.Values.Select(p => p.Subnet).ToHashSet();
        foreach (var pool in lost)
        {
            if (store.QuarantinedAtLoad.Contains(AddressPool.FileKey(pool.Id)) || !withPools.Contains(pool.Subnet))
                Recreate(pool);
        }
        foreach (var network in networks.All.ToList())
        {
            foreach (var subnet in network.Subnets)
                if (subnet.Gateway is { } gateway) HoldGateway(subnet.Subnet, gateway.Address);
            foreach (var aux in network.AuxAddresses ?? [])
                Hold(network, aux, AllocationKind.Auxiliary, "an --aux-address", lost);
            foreach (var endpoint in network.Endpoints.Values.ToList())
            {
                foreach (var address in endpoint.HeldAddresses().ToList())
                {
                    if (IsHeld(address) || !InSomePool(address)) continue;
                    if (endpoint.Deleted && !lost.Any(p => p.RangeOrSubnet.Contains(address)))
                    {
                        ForgetDeletedEndpointsHolding(address);
                    }
                    else
                    {
                        Hold(network, address, AllocationKind.Requested,
                            $"the address of endpoint {endpoint.EndpointId}", lost);
                    }
                }
            }
        }
        // A DeleteNetwork killed after the network's record went and before its pool did (NetworkDriver removes the
        // record, then tells the IPAM): Docker's resent delete finds no network, so the pool that no request holds and
        // no network needs goes here, as the delete would have removed it.
        foreach (var pool in _pools.Values.Where(p => p.Holders == 0).ToList())
            DeleteIfUnheld(pool);
    }

    /// <summary>The pools named by files in quarantine that are not loaded, empty, and only where a network uses their
    /// subnet.</summary>
    private List<AddressPool> QuarantinedPools()
    {
        var used = networks.All.SelectMany(n => n.Subnets).Select(s => s.Subnet).ToHashSet();
        var pools = new List<AddressPool>();
        foreach (var key in store.QuarantinedKeys())
        {
            if (!AddressPool.TryParseId(AddressPool.IdOfFileKey(key), out var subnet, out var range)
                || !used.Contains(subnet))
            {
                continue;
            }
            var id = AddressPool.MakeId(subnet, range);
            if (!_pools.ContainsKey(id)) pools.Add(new AddressPool { Id = id, Subnet = subnet, Range = range });
        }
        return pools;
    }

    /// <summary>Makes a lost pool again, with the gateway the networks record for its subnet.</summary>
    private AddressPool Recreate(AddressPool pool)
    {
        if (_pools.TryGetValue(pool.Id, out var made)) return made;
        var gateways = networks.All.SelectMany(n => n.Subnets).Where(s => s.Subnet == pool.Subnet)
            .Select(s => s.Gateway?.Address).OfType<IPAddress>();
        foreach (var gateway in gateways)
            pool.AddGateway(gateway);
        _pools[pool.Id] = pool;
        foreach (var gateway in pool.Gateways) _heldAtStart?.Add(gateway);
        _poolSubnets?.Add(pool.Subnet);
        Save(pool);
        logger.LogWarning("Pool {Pool} could not be read (its file is in {Quarantine}); re-created it, holding the " +
            "addresses l2vlan's networks record as in use",
            pool.Id, store.QuarantineDirectory);
        return pool;
    }

    private bool IsHeld(IPAddress address) =>
        _heldAtStart?.Contains(address)
        ?? _pools.Values.Any(p => p.Subnet.Contains(address)
            && (p.Find(address) is not null || p.Gateways.Contains(address)));

    /// <summary>Some pool's subnet holds the address: the subnets that could are looked up, one per prefix length, not
    /// pool by pool.</summary>
    private bool InSomePool(IPAddress address)
    {
        if (_poolSubnets is not { } subnets) return _pools.Values.Any(p => p.Subnet.Contains(address));
        var bits = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        for (var length = 0; length <= bits; length++)
            if (subnets.Contains(Cidr.Containing(address, length))) return true;
        return false;
    }

    private void HoldGateway(Cidr subnet, IPAddress gateway)
    {
        if (IsHeld(gateway)) return;
        var ofSubnet = _pools.Values.Where(p => p.Subnet == subnet).ToList();
        if (ofSubnet.Count == 0) return;
        // Every pool of the subnet keeps it: two routers on one subnet are both kept (IpamService.RequestAddress).
        foreach (var pool in ofSubnet)
        {
            pool.AddGateway(gateway);
            _heldAtStart?.Add(gateway);
            Save(pool);
            logger.LogWarning("Gateway {Gateway} was held by no pool; pool {Pool} holds it again", gateway, pool.Id);
        }
    }

    private void Hold(NetworkRecord network, IPAddress address, AllocationKind kind, string what,
        List<AddressPool> lost)
    {
        if (IsHeld(address)) return;
        bool OfSubnet(AddressPool p) => network.Subnets.Any(s => s.Subnet == p.Subnet && s.Subnet.Contains(address));
        static AddressPool? Narrowest(IEnumerable<AddressPool> pools, IPAddress address) =>
            pools.Where(p => p.RangeOrSubnet.Contains(address)).MaxBy(p => p.RangeOrSubnet.PrefixLength);
        var pool = Narrowest(_pools.Values.Where(OfSubnet), address)
            ?? (Narrowest(lost.Where(OfSubnet), address) is { } gone ? Recreate(gone) : null)
            ?? _pools.Values.FirstOrDefault(OfSubnet);
        if (pool is null) return;
        pool.Allocations.Add(new Allocation(address, kind));
        _heldAtStart?.Add(address);
        Save(pool);
        logger.LogWarning("{Address}, {What} of network {Network}, was held by no pool; pool {Pool} holds it again, " +
            "so it is not handed out twice",
            address, what, network.NetworkId, pool.Id);
    }
}
