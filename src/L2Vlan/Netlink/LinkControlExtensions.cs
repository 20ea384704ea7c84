namespace L2Vlan.Netlink;

public static class LinkControlExtensions
{
    /// <summary>The links enslaved to the bridge: its ports.</summary>
    public static IEnumerable<LinkInfo> PortsOf(this ILinkControl links, LinkInfo bridge) =>
        links.ListLinks().Where(l => l.MasterIndex == bridge.Index);
}
