namespace L2Vlan.Firewall;

/// <summary>
/// l2vlan's accept rule for a bridge in a chain of the administrator's nftables ruleset (the policy's
/// <c>nftables_chain</c>): an accept in iptables' chains does not override a drop in another base chain of the forward
/// hook, so a host whose own chain drops forwarded traffic needs the accept there too.
/// </summary>
public interface INftablesRules
{
    /// <summary>Inserts the rule at the top of the chain unless it is there already; throws when it cannot.</summary>
    void Allow(NftablesChain chain, string bridge);

    /// <summary>
    /// Removes l2vlan's rule for the bridge from the chain, every copy, and nothing else; returns once it is confirmed
    /// gone (a chain or table that no longer exists holds none); throws when that cannot be confirmed.
    /// </summary>
    void Remove(NftablesChain chain, string bridge);

    /// <summary>
    /// The bridges that have l2vlan's rule in the chain, from one listing; null when it cannot be listed.
    /// </summary>
    IReadOnlySet<string>? AllowedBridges(NftablesChain chain);
}
