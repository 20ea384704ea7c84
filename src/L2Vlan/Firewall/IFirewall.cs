namespace L2Vlan.Firewall;

/// <summary>
/// Docker loads br_netfilter and sets the FORWARD policy to DROP, which drops frames bridged between a
/// container and the VLAN. l2vlan accepts traffic that enters and leaves one of its bridges.
/// </summary>
public interface IFirewall
{
    /// <summary>Adds the accept rule for the bridge unless it is there already.</summary>
    void AllowBridged(string bridge);

    /// <summary>
    /// Removes the rule l2vlan added for the bridge; nothing else. Returns only when the rule is confirmed gone
    /// (a rule that was never there is fine); throws when that cannot be confirmed, so the caller keeps its record.
    /// </summary>
    void RemoveBridged(string bridge);

    /// <summary>
    /// The bridges whose accept rule is in place, in one listing (start-up checks thousands at once); null when that
    /// is not known, and then each bridge is checked with <see cref="AllowBridged"/>.
    /// </summary>
    IReadOnlySet<string>? AllowedBridges() => null;
}
