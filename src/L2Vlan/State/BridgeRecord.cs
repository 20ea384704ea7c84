namespace L2Vlan.State;

/// <summary>
/// A bridge that l2vlan networks use, and what l2vlan made for it: the bridge itself, the 802.1Q
/// sub-interface, the firewall rule. Persisted as bridges/&lt;Name&gt;.json before the links are made, and
/// removed after they are gone, so every link l2vlan made has a record and nothing else is ever deleted.
/// </summary>
public sealed class BridgeRecord : IStateRecord
{
    public required string Name { get; init; }
    public required string ExtIf { get; init; }
    public required int VlanId { get; init; }
    public required string VlanLink { get; init; }
    public int? Mtu { get; set; }
    public bool CreatedBridge { get; set; }
    public bool CreatedVlanLink { get; set; }
    /// <summary>
    /// The accept rule is l2vlan's: set and saved before the rule goes in, and the record is removed only once the
    /// rule is confirmed gone. So a recorded rule may be missing (start-up puts it back), but no rule goes unrecorded.
    /// </summary>
    public bool FirewallAccept { get; set; }
    /// <summary>
    /// The administrator's nftables chain (<c>inet filter forward</c>) that holds l2vlan's accept rule for this bridge,
    /// from the policy's <c>nftables_chain</c>: set and saved before the rule goes in, and the rule is removed from
    /// this chain with the bridge, whatever the policy says by then. Null: no nftables rule (files of earlier
    /// releases too).
    /// </summary>
    public string? NftablesChain { get; set; }

    public string? Problem() =>
        Name is null ? "Name is null"
        : ExtIf is null ? "ExtIf is null"
        : VlanLink is null ? "VlanLink is null"
        : null;
}
