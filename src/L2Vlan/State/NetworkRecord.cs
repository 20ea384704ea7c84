namespace L2Vlan.State;

/// <summary>One l2vlan network as this host knows it; persisted as networks/&lt;NetworkId&gt;.json.</summary>
public sealed class NetworkRecord
{
    public required string NetworkId { get; init; }
    public required string BridgeName { get; init; }
    public required string ExtIf { get; init; }
    public required int VlanId { get; init; }
    public int? Mtu { get; init; }
    public bool Internal { get; init; }
    public List<string> Routes { get; init; } = [];
    public List<SubnetRecord> Subnets { get; init; } = [];
    /// <summary>The -o options as the user gave them, to tell a replay from a conflicting re-create.</summary>
    public Dictionary<string, string> Options { get; init; } = [];
    public Dictionary<string, EndpointRecord> Endpoints { get; init; } = [];
}

/// <summary>A subnet of a network and the gateway on the external router, both as Docker sent them (CIDR).</summary>
public sealed record SubnetRecord(string Subnet, string? Gateway);

/// <summary>A container's attachment. The veth names are recorded before the links are made, so a crash never leaks one.</summary>
public sealed class EndpointRecord
{
    public required string EndpointId { get; init; }
    /// <summary>Cleared once Docker released it, after the endpoint was deleted.</summary>
    public string? Address { get; set; }
    public string? AddressIPv6 { get; set; }
    /// <summary>
    /// Docker deleted the endpoint and has yet to release its addresses (it does so right after). Kept until
    /// then, so that a dockerd that dies in between leaves l2vlan knowing which addresses to reclaim.
    /// </summary>
    public bool Deleted { get; set; }
    public required string MacAddress { get; init; }
    public string? HostVeth { get; set; }
    public string? ContainerVeth { get; set; }
}
