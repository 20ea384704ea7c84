using L2Vlan.Domain;
using L2Vlan.Netlink;
using L2Vlan.State;

namespace L2Vlan.Driver;

/// <summary>
/// The bridges l2vlan networks use, in memory and on disk (bridges/&lt;Name&gt;.json), and the rules by which a
/// network claims one: one bridge serves one VLAN of one NIC, and one VLAN feeds one bridge. A bridge is
/// recorded before its links are made and removed with the last network on it.
/// </summary>
public sealed class BridgeRegistry(
    ILinkControl links,
    BridgeLinks bridgeLinks,
    NetworkRegistry networks,
    JsonFileCollection<BridgeRecord> store)
{
    private readonly Dictionary<string, BridgeRecord> _bridges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<BridgeRecord> All => _bridges.Values;

    /// <summary>Reads every bridge file; returns how many were read.</summary>
    public int Load()
    {
        _bridges.Clear();
        foreach (var (_, bridge) in store.LoadAll()) _bridges[bridge.Name] = bridge;
        return _bridges.Count;
    }

    public BridgeRecord? Find(string name) => _bridges.GetValueOrDefault(name);

    public bool InUse(BridgeRecord bridge) => networks.OnBridge(bridge.Name).Any();

    /// <summary>The bridge a network with these options goes on: the one it shares, or a new record.</summary>
    public BridgeRecord Claim(NetworkOptions options)
    {
        if (_bridges.TryGetValue(options.BridgeName, out var bridge))
        {
            if (bridge.ExtIf != options.ExtIf || bridge.VlanId != options.VlanId)
                throw new UserError($"-o bridge_name={options.BridgeName} already carries VLAN {bridge.VlanId} of {bridge.ExtIf}; a bridge serves one VLAN (use another bridge_name, or ext_if={bridge.ExtIf} vlan_id={bridge.VlanId})");
            if (options.Mtu is { } mtu && bridge.Mtu is { } bridgeMtu && mtu != bridgeMtu)
                throw new UserError($"-o mtu={mtu}: bridge {bridge.Name} already has MTU {bridgeMtu} from another network; networks on one bridge share its MTU");
            if (bridge.Mtu is null && options.Mtu is not null)
            {
                bridge.Mtu = options.Mtu;
                Save(bridge);
            }
            return bridge;
        }
        var rival = _bridges.Values.FirstOrDefault(b => b.VlanLink == options.VlanLink);
        if (rival is not null)
            throw new UserError($"VLAN {options.VlanId} of {options.ExtIf} is already served by bridge {rival.Name}; networks on one VLAN share one bridge (use -o bridge_name={rival.Name})");

        bridge = new BridgeRecord
        {
            Name = options.BridgeName,
            ExtIf = options.ExtIf,
            VlanId = options.VlanId,
            VlanLink = options.VlanLink,
            Mtu = options.Mtu,
            // Decided before anything is made: only what did not exist becomes l2vlan's to delete.
            CreatedBridge = links.FindLink(options.BridgeName) is null,
            CreatedVlanLink = links.FindLink(options.VlanLink) is null,
        };
        Save(bridge);
        _bridges[bridge.Name] = bridge;
        return bridge;
    }

    /// <summary>Makes the bridge's links, firewall rule included, and records what l2vlan makes.</summary>
    public void EnsureLinks(BridgeRecord bridge) => bridgeLinks.Ensure(bridge, Save);

    /// <summary>Takes down what l2vlan made for the bridge, when no network uses it any more.</summary>
    public void RemoveIfUnused(string name)
    {
        if (_bridges.TryGetValue(name, out var bridge) && !InUse(bridge)) Remove(bridge);
    }

    /// <summary>Takes down what l2vlan made, then forgets the bridge; throws, keeping the record, when its firewall rule stays.</summary>
    public void Remove(BridgeRecord bridge)
    {
        bridgeLinks.Remove(bridge);
        store.Delete(bridge.Name);
        _bridges.Remove(bridge.Name);
    }

    private void Save(BridgeRecord bridge) => store.Save(bridge.Name, bridge);
}
