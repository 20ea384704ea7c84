using System.Net;
using System.Net.NetworkInformation;
using System.Text.RegularExpressions;
using L2Vlan.Netlink;

namespace L2Vlan.Tests.KillHost;

/// <summary>
/// The real rtnetlink client, except that an 802.1Q sub-interface <c>&lt;nic&gt;.&lt;vid&gt;</c> is made as one end of
/// a veth pair of that name (its peer <c>vlanpeer&lt;vid&gt;</c>), and reported as the VLAN <c>vid</c> of
/// <c>&lt;nic&gt;</c>. Every call is still one real netlink call, so the service's kill points are reached as they are
/// in production.
/// </summary>
internal sealed partial class StandInVlanLinks(RouteNetlinkClient kernel) : ILinkControl
{
    public LinkInfo? FindLink(string name) => kernel.FindLink(name) is { } link ? AsVlan(link, kernel.FindLink) : null;

    public IReadOnlyList<LinkInfo> ListLinks()
    {
        // The parents from the same dump, as the kernel's own dump of VLAN links gives them: no look-up per link.
        var all = kernel.ListLinks();
        var byName = all.ToDictionary(l => l.Name, StringComparer.Ordinal);
        return all.Select(l => AsVlan(l, name => byName.GetValueOrDefault(name))).ToList();
    }

    public IReadOnlyList<(IPAddress Address, int PrefixLength)> ListAddresses(int index) => kernel.ListAddresses(index);

    public void CreateBridge(string name, int? mtu) => kernel.CreateBridge(name, mtu);

    public void CreateVlan(string name, int parentIndex, int vlanId, int? mtu) =>
        kernel.CreateVethPair(name, $"vlanpeer{vlanId}", null, mtu);

    public void CreateVethPair(string hostName, string peerName, PhysicalAddress? peerMac, int? mtu) =>
        kernel.CreateVethPair(hostName, peerName, peerMac, mtu);

    public void SetMaster(int index, int masterIndex) => kernel.SetMaster(index, masterIndex);

    public void SetUp(int index) => kernel.SetUp(index);

    public void SetMtu(int index, int mtu) => kernel.SetMtu(index, mtu);

    public bool DeleteLink(string name) => kernel.DeleteLink(name);

    private static LinkInfo AsVlan(LinkInfo link, Func<string, LinkInfo?> find)
    {
        if (link.Kind != "veth" || VlanName().Match(link.Name) is not { Success: true } match) return link;
        var parent = find(match.Groups[1].Value);
        return link with { Kind = "vlan", VlanId = int.Parse(match.Groups[2].Value), ParentIndex = parent?.Index };
    }

    [GeneratedRegex(@"^(.+)\.(\d+)$")]
    private static partial Regex VlanName();
}
