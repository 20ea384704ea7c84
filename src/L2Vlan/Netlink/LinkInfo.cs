using System.Net.NetworkInformation;

namespace L2Vlan.Netlink;

/// <summary>
/// What the kernel says about one link. <see cref="Kind"/> is the rtnetlink kind ("bridge", "vlan", "veth") or "" for a
/// plain device; <see cref="IsLoopback"/> is the kernel's IFF_LOOPBACK, whatever the link's name.
/// </summary>
public sealed record LinkInfo(
    int Index,
    string Name,
    string Kind,
    bool IsUp,
    int Mtu,
    PhysicalAddress? Mac,
    int? MasterIndex,
    int? ParentIndex,
    int? VlanId,
    bool IsLoopback = false);
