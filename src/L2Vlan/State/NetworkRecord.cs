using System.Net;
using System.Net.NetworkInformation;
using System.Text.Json.Serialization;
using L2Vlan.Domain;

namespace L2Vlan.State;

/// <summary>One l2vlan network as this host knows it; persisted as networks/&lt;NetworkId&gt;.json.</summary>
public sealed class NetworkRecord : IStateRecord
{
    public required string NetworkId { get; init; }
    public required string BridgeName { get; init; }
    public required string ExtIf { get; init; }
    public required int VlanId { get; init; }
    public int? Mtu { get; init; }
    public bool Internal { get; init; }
    // The lists are never null: a file that lacks one, or says null, means "none"; the driver and status
    // read them without checking.
    public List<Cidr> Routes { get; init => field = value ?? []; } = [];
    public List<SubnetRecord> Subnets { get; init => field = value ?? []; } = [];
    /// <summary>The --aux-addresses, kept so that a pool whose file was lost can hold them again; null when there are
    /// none.</summary>
    public List<IPAddress>? AuxAddresses { get; init; }
    /// <summary>The -o options as the user gave them, to tell a replay from a conflicting re-create.</summary>
    public Dictionary<string, string> Options { get; init => field = value ?? []; } = [];
    public Dictionary<string, EndpointRecord> Endpoints { get; init => field = value ?? []; } = [];
    /// <summary>
    /// Host ends of veths of deleted endpoints whose links may still exist: DeleteEndpoint answers Docker before the
    /// kernel's delete (Driver/VethReaper), and this list, saved first, is what makes a crash in between leak nothing.
    /// </summary>
    [JsonIgnore]
    public List<string> PendingVethDeletes { get; } = [];

    /// <summary><see cref="PendingVethDeletes"/> on disk, left out while empty: a file of the previous release is
    /// written back unchanged.</summary>
    [JsonPropertyName(nameof(PendingVethDeletes)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? PendingVethDeletesOnDisk
    {
        get => PendingVethDeletes.Count == 0 ? null : PendingVethDeletes;
        init => PendingVethDeletes.AddRange(value ?? []);
    }

    public string? Problem() =>
        NetworkId is null ? "NetworkId is null"
        : BridgeName is null ? "BridgeName is null"
        : ExtIf is null ? "ExtIf is null"
        : Subnets.Any(s => s is null) ? "Subnets holds a null"
        : AuxAddresses?.Any(a => a is null) == true ? "AuxAddresses holds a null"
        : Options.Values.Any(v => v is null) ? "an option of Options is null"
        : PendingVethDeletes.Any(v => v is null) ? "PendingVethDeletes holds a null"
        : Endpoints.Values.Any(e => e is null) ? "an endpoint of Endpoints is null"
        : Endpoints.Values.Select(e => e.Problem()).FirstOrDefault(p => p is not null);
}

/// <summary>A subnet of a network and the gateway on the external router (with the subnet's prefix length, as Docker
/// gives it).</summary>
public sealed record SubnetRecord(Cidr Subnet, InterfaceAddress? Gateway);

/// <summary>A container's attachment. The veth names are recorded before the links are made, so a crash never leaks
/// one.</summary>
public sealed class EndpointRecord
{
    public required string EndpointId { get; init; }
    /// <summary>Cleared once Docker released it, after the endpoint was deleted.</summary>
    public InterfaceAddress? Address { get; set; }
    public InterfaceAddress? AddressIPv6 { get; set; }
    /// <summary>
    /// Docker deleted the endpoint and has yet to release its addresses (it does so right after). Kept until
    /// then, so that a dockerd that dies in between leaves l2vlan knowing which addresses to reclaim.
    /// </summary>
    public bool Deleted { get; set; }
    public required PhysicalAddress MacAddress { get; init; }
    public string? HostVeth { get; set; }
    public string? ContainerVeth { get; set; }

    /// <summary>The addresses the endpoint still holds.</summary>
    public IEnumerable<IPAddress> HeldAddresses() =>
        new[] { Address, AddressIPv6 }.OfType<InterfaceAddress>().Select(a => a.Address);

    /// <summary>What the endpoint lacks, or null when it is whole (see <see cref="IStateRecord"/>).</summary>
    public string? Problem() =>
        EndpointId is null ? "an endpoint's EndpointId is null"
        : MacAddress is null ? $"endpoint {EndpointId}'s MacAddress is null"
        : null;
}
