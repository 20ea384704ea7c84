using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Ipam;

/// <summary>
/// <c>l2vlan forget</c>: the network is dropped without Docker, so nobody will send the ReleaseAddress and
/// ReleasePool calls Docker sends when it removes a network. They are done here instead.
/// </summary>
public sealed partial class IpamService
{
    /// <summary>
    /// Releases what the network held: its endpoints' addresses, its --aux-addresses, and one request on each of
    /// its pools. A network's pools are those of its subnets: the one pool of a subnet, or, where --ip-range gave a
    /// subnet several, those that hold the network's addresses (a network that held none keeps its request, which
    /// only keeps its pool longer). The caller holds the network's lock and removes the record right after, once
    /// this returned: the releases are durable by then, so a power loss never leaves a pool holding what no record
    /// names.
    /// </summary>
    public void NetworkForgotten(NetworkRecord network) => Durably(() => NetworkForgottenLocked(network));

    private void NetworkForgottenLocked(NetworkRecord network)
    {
        using var held = Locked();
        var addresses = network.Endpoints.Values.SelectMany(e => e.HeldAddresses()).Concat(network.AuxAddresses ?? [])
            .ToList();
        var pools = new List<AddressPool>();
        foreach (var subnet in network.Subnets.Select(s => s.Subnet).Distinct())
        {
            var ofSubnet = _pools.Values.Where(p => p.Subnet == subnet).ToList();
            pools.AddRange(ofSubnet.Count == 1 ? ofSubnet
                : ofSubnet.Where(p => addresses.Any(a => p.Find(a) is not null)));
        }
        foreach (var pool in pools)
        {
            foreach (var address in addresses)
                if (pool.Find(address) is { } allocation) pool.Allocations.Remove(allocation);
            pool.Holders = Math.Max(0, pool.Holders - 1);
            Save(pool);
            logger.LogInformation("Pool {Pool}: the addresses and the request of forgotten network {Network} " +
                "released; {Holders} requests hold it",
                pool.Id, network.NetworkId, pool.Holders);
        }
        network.Endpoints.Clear();
    }
}
