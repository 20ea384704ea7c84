using L2Vlan.Domain;
using L2Vlan.Netlink;
using L2Vlan.State;

namespace L2Vlan.Driver;

/// <summary>
/// The bridges l2vlan networks use (their records are <see cref="BridgeRecords"/>), and the rules by which a
/// network claims one: one bridge serves one VLAN of one NIC, one VLAN feeds one bridge, and a bridge l2vlan did
/// not make is used only when it is plainly meant for the VLAN. A bridge is recorded before its links are made
/// and removed with the last network on it.
/// <para>
/// Concurrency: every call that reads or changes one bridge's record or links (<see cref="Claim"/>,
/// <see cref="EnsureLinks"/>, <see cref="RemoveIfUnused"/>, <see cref="Remove"/>) runs under that bridge's lock,
/// taken with <see cref="LockBridge"/> by the caller; bridges creation and removal call the firewall, so a stuck
/// iptables holds up that bridge only. Lock order: a network's lock, then its bridge's lock, then the short lock
/// of a registry's map; never the other way round, and never two bridges at once.
/// </para>
/// </summary>
public sealed class BridgeRegistry(
    ILinkControl links,
    BridgeLinks bridgeLinks,
    NetworkRegistry networks,
    BridgeRecords records)
{
    public IReadOnlyCollection<BridgeRecord> All => records.All;

    /// <inheritdoc cref="BridgeRecords.LockBridge"/>
    public IDisposable LockBridge(string name) => records.LockBridge(name);

    /// <inheritdoc cref="BridgeRecords.Load"/>
    public int Load() => records.Load();

    public BridgeRecord? Find(string name) => records.Find(name);

    public bool InUse(BridgeRecord bridge) => networks.OnBridge(bridge.Name).Any();

    /// <summary>The bridge a network with these options goes on: the one it shares, or a new record. Under the bridge's
    /// lock.</summary>
    public BridgeRecord Claim(NetworkOptions options)
    {
        if (Find(options.BridgeName) is { } bridge)
        {
            if (bridge.ExtIf != options.ExtIf || bridge.VlanId != options.VlanId)
            {
                throw new UserError($"-o bridge_name={options.BridgeName} already carries VLAN {bridge.VlanId} of " +
                    $"{bridge.ExtIf}; a bridge serves one VLAN (use another bridge_name, or ext_if={bridge.ExtIf} " +
                        $"vlan_id={bridge.VlanId})");
            }
            if (options.Mtu is { } mtu && bridge.Mtu is { } bridgeMtu && mtu != bridgeMtu)
            {
                throw new UserError($"-o mtu={mtu}: bridge {bridge.Name} already has MTU {bridgeMtu} from another " +
                    $"network; networks on one bridge share its MTU");
            }
            if (bridge.Mtu is null && options.Mtu is not null)
            {
                CheckMtuOfLinksNotMade(bridge, options.Mtu);
                bridge.Mtu = options.Mtu;
                Save(bridge);
            }
            return bridge;
        }
        CheckNoRival(options);
        ForeignLinks.CheckExtIf(links, options);

        var existing = links.FindLink(options.BridgeName);
        if (existing is { Kind: "bridge" })
        {
            CheckMeantForThisVlan(existing, options);
            ForeignLinks.CheckMtuKept(existing, options.Mtu);
        }
        var existingVlanLink = links.FindLink(options.VlanLink);
        if (existingVlanLink is not null)
        {
            ForeignLinks.CheckUnusedVlanLink(links, existingVlanLink, options.ExtIf, options.VlanId, options.Mtu,
                existing is { Kind: "bridge" } ? existing : null);
        }

        bridge = new BridgeRecord
        {
            Name = options.BridgeName,
            ExtIf = options.ExtIf,
            VlanId = options.VlanId,
            VlanLink = options.VlanLink,
            Mtu = options.Mtu,
            // Decided before anything is made: only what did not exist becomes l2vlan's to delete.
            CreatedBridge = existing is null,
            CreatedVlanLink = existingVlanLink is null,
        };
        // Again, atomically: a network on another bridge may have claimed the VLAN while the kernel was asked.
        if (records.AddUnlessServed(bridge) is { } rival) throw Rival(options, rival);
        return bridge;
    }

    /// <summary>A network that brings the first MTU to a bridge: the links l2vlan did not make must have it
    /// already.</summary>
    private void CheckMtuOfLinksNotMade(BridgeRecord bridge, int? mtu)
    {
        if (!bridge.CreatedBridge && links.FindLink(bridge.Name) is { } existing)
            ForeignLinks.CheckMtuKept(existing, mtu);
        if (!bridge.CreatedVlanLink && links.FindLink(bridge.VlanLink) is { } vlan)
            ForeignLinks.CheckMtuKept(vlan, mtu);
    }

    private void CheckNoRival(NetworkOptions options)
    {
        if (records.Serving(options.VlanLink) is { } rival) throw Rival(options, rival);
    }

    private static UserError Rival(NetworkOptions options, BridgeRecord rival) =>
        new($"VLAN {options.VlanId} of {options.ExtIf} is already served by bridge {rival.Name}; networks on one " +
            $"VLAN share one bridge (use -o bridge_name={rival.Name})");

    /// <summary>Makes the bridge's links, firewall rule included, and records what l2vlan makes.</summary>
    public void EnsureLinks(BridgeRecord bridge, bool ruleListed = false) =>
        bridgeLinks.Ensure(bridge, Save, ruleListed);

    /// <summary>The kernel's links and the firewall's accepted bridges, each listed once (start-up's check of every
    /// bridge).</summary>
    public LinkSnapshot Snapshot() =>
        new(links.ListLinks, bridgeLinks.AllowedBridges, bridgeLinks.AllowedBridges);

    /// <summary>The bridge's links and rule are as its record says, in the snapshot (see
    /// <see cref="BridgeLinks.InPlace"/>).</summary>
    public bool InPlace(BridgeRecord bridge, LinkSnapshot kernel) => bridgeLinks.InPlace(bridge, kernel);

    /// <summary>Takes down what l2vlan made for the bridge, when no network uses it any more. Under the bridge's
    /// lock.</summary>
    public void RemoveIfUnused(string name)
    {
        if (Find(name) is not { } bridge || InUse(bridge)) return;
        // A network whose file is in quarantine may be on it; a start after that is settled removes it (StateRecovery).
        if (networks.QuarantinedFiles().Count > 0) return;
        Remove(bridge);
    }

    /// <summary>Takes down what l2vlan made, then forgets the bridge; throws, keeping the record, when its firewall
    /// rule stays.</summary>
    public void Remove(BridgeRecord bridge)
    {
        bridgeLinks.Remove(bridge);
        records.Remove(bridge.Name);
    }

    /// <summary>
    /// A bridge that exists without a record (the user's, or another program's) is joined to the VLAN only when it is
    /// plainly meant for it: its ports are the VLAN's sub-interface and l2vlan's own veths at most, and the host has no
    /// address on it but the IPv6 link-local one the kernel adds by itself. So a host's br0 with eth0, or a Docker or
    /// libvirt bridge, is never opened to the VLAN.
    /// </summary>
    private void CheckMeantForThisVlan(LinkInfo bridge, NetworkOptions options)
    {
        var ownVeths = networks.OnBridge(options.BridgeName).SelectMany(n => n.Endpoints.Values)
            .Select(e => e.HostVeth).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var others = links.PortsOf(bridge)
            .Where(l => l.Name != options.VlanLink && !ownVeths.Contains(l.Name))
            .Select(l => l.Name).ToList();
        if (others.Count > 0)
        {
            var named = string.Join(", ", others.Take(3)) + (others.Count > 3 ? $" and {others.Count - 3} more" : "");
            throw new UserError($"-o bridge_name={options.BridgeName}: that bridge exists and has other ports " +
                $"({named}); l2vlan uses a bridge it did not make only when its ports are {options.VlanLink} and " +
                    $"l2vlan's own at most (use another bridge_name)");
        }
        var address = links.ListAddresses(bridge.Index).Select(a => a.Address).FirstOrDefault(a => !a.IsIPv6LinkLocal);
        if (address is not null)
        {
            throw new UserError($"-o bridge_name={options.BridgeName}: that bridge exists and the host has the " +
                $"address {address} on it; l2vlan uses a bridge it did not make only when the host has no address on " +
                    $"it (use another bridge_name)");
        }
    }

    private void Save(BridgeRecord bridge) => records.Save(bridge);
}
