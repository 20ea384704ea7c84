namespace L2Vlan.Firewall;

/// <summary>
/// A base chain of the host's nftables ruleset, on the forward hook, that drops what is bridged on one of l2vlan's
/// bridges: <paramref name="Cause"/> says how (its policy, or the rule it ends in). l2vlan does not change it; the
/// fix is the administrator's.
/// </summary>
public sealed record DroppingChain(string Family, string Table, string Chain, string Cause)
{
    /// <summary>As nft names it: <c>inet hostfw forward</c>.</summary>
    public string Spec => $"{Family} {Table} {Chain}";

    /// <summary>firewalld's own table, written again at every reload: a rule added there by hand is lost.</summary>
    public bool IsFirewalld => Family == "inet" && Table == "firewalld";

    /// <summary>
    /// The command that lets the bridge's traffic through this chain. With br_netfilter, frames bridged between
    /// two ports of a bridge come to the ip, ip6 and inet forward hooks with the bridge as both their input and
    /// output interface (as iptables' <c>-i BRIDGE -o BRIDGE</c> matches them); the bridge family's hook sees the
    /// ports, and the bridge as <c>ibrname</c>. firewalld gives forwarding to the interfaces of its trusted zone.
    /// </summary>
    public string Fix(string bridge)
    {
        if (IsFirewalld)
            return $"firewall-cmd --permanent --zone=trusted --add-interface={bridge} && firewall-cmd --reload";
        var match = Family == "bridge" ? $"meta ibrname \"{bridge}\"" : $"iifname \"{bridge}\" oifname \"{bridge}\"";
        return $"nft insert rule {Family} {Quoted(Table)} {Quoted(Chain)} {match} accept";
    }

    // nft takes a plain identifier as it is; any other name only in quotes.
    private static string Quoted(string name) =>
        name.Length > 0 && char.IsAsciiLetter(name[0])
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')
            ? name
            : $"'\"{name}\"'";
}
