using L2Vlan.Netlink;

namespace L2Vlan.Driver;

/// <summary>
/// The kernel's links (one netlink dump) and the bridges whose firewall rule is in place (one listing per tool), taken
/// once at start: thousands of bridges are checked against it with no call per bridge, and only a bridge found not as
/// its record says goes through the calls that repair it (issue 12: start-up with 4,094 networks).
/// </summary>
public sealed class LinkSnapshot(IReadOnlyList<LinkInfo> links, IReadOnlySet<string>? allowedBridges)
{
    private readonly Dictionary<string, LinkInfo> _byName = links.ToDictionary(l => l.Name, StringComparer.Ordinal);

    public LinkInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The bridge's accept rule was seen; false also when the firewall could not be listed.</summary>
    public bool Allowed(string bridge) => allowedBridges?.Contains(bridge) == true;
}
