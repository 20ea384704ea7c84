using System.Net;
using System.Net.NetworkInformation;

namespace L2Vlan.Netlink;

/// <summary>
/// The link operations the driver needs from the kernel, in .NET terms.
/// The real implementation speaks rtnetlink; unit tests use a fake.
/// Every method acts in the network namespace the implementation was opened in.
/// </summary>
public interface ILinkControl
{
    /// <summary>The link with this name, or null when there is none.</summary>
    LinkInfo? FindLink(string name);

    IReadOnlyList<LinkInfo> ListLinks();

    /// <summary>Every address (IPv4 and IPv6, any scope) on the link, with its prefix length.</summary>
    IReadOnlyList<(IPAddress Address, int PrefixLength)> ListAddresses(int index);

    /// <summary>Creates a bridge with no address and IPv6 address generation off, left down.</summary>
    void CreateBridge(string name, int? mtu);

    /// <summary>Creates the 802.1Q sub-interface <paramref name="name"/> of <paramref name="parentIndex"/>, IPv6
    /// address generation off, left down.</summary>
    void CreateVlan(string name, int parentIndex, int vlanId, int? mtu);

    /// <summary>Creates a veth pair; the host end gets IPv6 address generation off; both ends are left down.</summary>
    void CreateVethPair(string hostName, string peerName, PhysicalAddress? peerMac, int? mtu);

    void SetMaster(int index, int masterIndex);

    void SetUp(int index);

    void SetMtu(int index, int mtu);

    /// <summary>Deletes the link if it exists; returns false when it was already gone.</summary>
    bool DeleteLink(string name);
}
