using System.Net;
using L2Vlan.State;

namespace L2Vlan.Doctor;

/// <summary>
/// Every address a pool holds belongs to something the networks record: an endpoint, an --aux-address, or (kept
/// apart in the pool) a gateway. One that belongs to nothing is taken for good, by nobody.
/// </summary>
public static class AddressesCheck
{
    public const string Name = "addresses";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state) yield break;
        var owned = state.Networks
            .SelectMany(n => n.Endpoints.Values.SelectMany(e => e.HeldAddresses()).Concat(n.AuxAddresses ?? []))
            .Concat(state.Networks.SelectMany(n => n.Subnets).Select(s => s.Gateway?.Address).OfType<IPAddress>())
            .ToHashSet();
        var orphans = state.Pools.SelectMany(p => p.Allocations.Where(a => !owned.Contains(a.Address))
            .Select(a => (Pool: p, a.Address))).ToList();
        foreach (var (pool, address) in orphans)
        {
            yield return Finding.Problem(Name, $"address {address} is held by pool {pool.Id} but belongs to no " +
                $"endpoint, --aux-address or gateway",
                "no container can get it: the pool counts it as in use",
                NetworksOf(state, pool) is { Length: > 0 } users
                    ? $"nothing removes it alone: re-create the pool's networks (docker network rm {users}, then " +
                        $"create them again) or ask for another address"
                    : null);
        }

        if (orphans.Count == 0)
        {
            yield return Finding.Good(Name, $"every address the {state.Pools.Count} pools hold belongs to an " +
                $"endpoint, an --aux-address or a gateway");
        }
    }

    private static string NetworksOf(StateView state, AddressPool pool) =>
        string.Join(" ", state.Networks.Where(n => n.Subnets.Any(s => s.Subnet == pool.Subnet))
            .Select(n => n.NetworkId));
}
