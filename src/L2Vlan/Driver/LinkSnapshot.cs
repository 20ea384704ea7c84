using L2Vlan.Firewall;
using L2Vlan.Netlink;

namespace L2Vlan.Driver;

/// <summary>
/// The kernel's links (one netlink dump) and the bridges whose firewall rule is in place (one listing per tool), taken
/// once at start: thousands of bridges are checked against it with no call per bridge, and only a bridge found not as
/// its record says goes through the calls that repair it (a start-up with 4,094 networks needs this). Each is taken
/// when first asked: a host with no bridge on record starts without running iptables at all.
/// </summary>
public sealed class LinkSnapshot(
    Func<IReadOnlyList<LinkInfo>> listLinks,
    Func<IReadOnlySet<string>?> listAllowedBridges,
    Func<NftablesChain, IReadOnlySet<string>?>? listNftables = null)
{
    private readonly Dictionary<NftablesChain, IReadOnlySet<string>?> _nftables = [];
    private readonly Lazy<Dictionary<string, LinkInfo>> _byName =
        new(() => listLinks().ToDictionary(l => l.Name, StringComparer.Ordinal));
    private readonly Lazy<IReadOnlySet<string>?> _allowedBridges = new(listAllowedBridges);

    public LinkInfo? Find(string name) => _byName.Value.GetValueOrDefault(name);

    /// <summary>The bridge's accept rule was seen; false also when the firewall could not be listed.</summary>
    public bool Allowed(string bridge) => _allowedBridges.Value?.Contains(bridge) == true;

    /// <summary>
    /// The bridge's rule was seen in the nftables chain, listed once per chain; false when it could not be listed.
    /// </summary>
    public bool Allowed(NftablesChain chain, string bridge)
    {
        IReadOnlySet<string>? listed;
        lock (_nftables)
        {
            if (!_nftables.TryGetValue(chain, out listed)) _nftables[chain] = listed = listNftables?.Invoke(chain);
        }
        return listed?.Contains(bridge) == true;
    }
}
