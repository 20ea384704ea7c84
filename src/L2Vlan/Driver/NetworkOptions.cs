using L2Vlan.Domain;

namespace L2Vlan.Driver;

/// <summary>A network's -o options once parsed and checked; see <see cref="NetworkOptionsParser"/>.</summary>
public sealed record NetworkOptions(
    string ExtIf,
    int VlanId,
    string BridgeName,
    int? Mtu,
    IReadOnlyList<Cidr> Routes,
    bool Dad = true)
{
    /// <summary>The 802.1Q sub-interface, named as vconfig and Docker's macvlan name them.</summary>
    public string VlanLink => $"{ExtIf}.{VlanId}";
}
