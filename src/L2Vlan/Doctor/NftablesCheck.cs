using L2Vlan.Firewall;

namespace L2Vlan.Doctor;

/// <summary>
/// No base chain of the host's own nftables ruleset (its nftables.conf, firewalld's table) drops what a bridge of
/// l2vlan's carries. An accept in iptables' FORWARD chain, where l2vlan keeps its rule, does not override a drop in
/// another base chain of the forward hook: such a chain cuts the containers off the VLAN, and only its owner may
/// open it.
/// </summary>
public static class NftablesCheck
{
    public const string Name = "nftables";

    /// <summary>The administrator's alternative to the rule: l2vlan keeps its accept in a chain named here.</summary>
    public const string PolicyFile = "/etc/l2vlan/l2vlan.conf";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state || facts.Nftables is not { } listing) yield break;
        if (!listing.NftInstalled)
        {
            yield return Finding.Good(Name, "nft is not installed: no nftables ruleset of the host's own to check");
            yield break;
        }
        if (listing.Ruleset is not { } ruleset)
        {
            yield return Finding.Problem(Name, $"the nftables ruleset could not be read ({listing.Error})",
                "doctor cannot tell whether a chain of the host's own drops the bridges' traffic",
                "run doctor as root: sudo l2vlan doctor");
            yield break;
        }
        var netfilter = new BridgeNetfilter(facts.BridgeNetfilter, facts.BridgeNetfilter6);
        foreach (var bridge in state.Bridges)
        {
            var dropping = ForwardHookVerdict.DroppingChains(ruleset, bridge.Name, netfilter);
            if (dropping.Count == 0)
            {
                yield return Finding.Good(Name,
                    $"no nftables chain on the forward hook drops the traffic of bridge {bridge.Name}");
            }
            foreach (var chain in dropping)
            {
                yield return Finding.Problem(Name,
                    $"nftables chain {chain.Spec} drops the traffic of bridge {bridge.Name} ({chain.Cause})",
                    Why(chain), chain.Fix(bridge.Name));
            }
        }
    }

    private static string Why(DroppingChain chain)
    {
        const string dropped = "each base chain on the forward hook must let a frame through, and l2vlan's accept in " +
            "iptables' FORWARD chain does not override a drop in another: the bridge's containers cannot reach the " +
            "VLAN. " +
            "l2vlan does not change a firewall it does not own";
        return chain.IsFirewalld
            ? $"{dropped}; firewalld forwards between the interfaces of its trusted zone"
            : $"{dropped}. Instead of the rule: name this chain in {PolicyFile} (nftables_chain = {chain.Spec}) and " +
              "l2vlan keeps an accept rule for each of its bridges there";
    }
}
