using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Brings the kernel back in line with the records. At start: loads the networks and bridges; links lost in a
/// reboot are made again, bridges left behind by a crash in the middle of a delete are removed. One broken
/// network does not stop the others. The pools, loaded before, are checked against the networks' records.
/// While running: when a link a record names changes or goes (<see cref="RestoreLinksOf"/>), what is missing is
/// made again, so a NIC that is re-created, or that appears only after the start, gets its VLAN link back.
/// </summary>
public sealed class StateRecovery(
    NetworkRegistry networks,
    BridgeRegistry bridges,
    EndpointWiring wiring,
    IpamService ipam,
    ILinkControl links,
    VethReaper reaper,
    ILogger<StateRecovery> logger)
{
    // The bridges whose NIC, or whose VLAN link made by someone else, is missing: said once, not at every link event.
    private readonly HashSet<string> _waitingForNic = new(StringComparer.Ordinal);
    private readonly HashSet<string> _waitingForUsersVlanLink = new(StringComparer.Ordinal);

    public void Recover()
    {
        var networkCount = networks.Load();
        var bridgeCount = bridges.Load();
        logger.LogInformation("Loaded {Networks} networks and {Bridges} bridges", networkCount, bridgeCount);
        foreach (var shared in networks.SharedAtLoad)
        {
            logger.LogWarning("Address {Address} on bridge {Bridge} is used by endpoint {Endpoint} of network " +
                "{Network} and by endpoint {Other} of network {OtherNetwork}; " +
                "one address on one VLAN: remove one of the two containers", shared.Address, shared.Bridge,
                    shared.Kept.EndpointId, shared.Kept.NetworkId, shared.Other.EndpointId, shared.Other.NetworkId);
        }
        ipam.HoldAddressesOfNetworks();
        FinishPendingDeletes();

        // One dump of the links and one listing of the firewall, then no call for a bridge already in place: a start
        // with thousands of networks took seconds of netlink and iptables calls per bridge.
        var kernel = bridges.Snapshot();
        var onBridge = networks.All.ToLookup(n => n.BridgeName, StringComparer.Ordinal);
        var inPlace = 0;
        foreach (var bridge in bridges.All.ToList())
        {
            try
            {
                if (!onBridge.Contains(bridge.Name))
                {
                    if (MayBeInUse(bridge)) continue;
                    logger.LogWarning("Bridge {Bridge} has no network left (an interrupted delete); removing it",
                        bridge.Name);
                    bridges.Remove(bridge);
                    continue;
                }
                if (bridges.InPlace(bridge, kernel))
                {
                    ReattachMoved(bridge, onBridge[bridge.Name], kernel);
                    inPlace++;
                    continue;
                }
                Restore(bridge, onBridge[bridge.Name].SelectMany(n => n.Endpoints.Values).Select(e => e.HostVeth)
                    .OfType<string>().ToList(), kernel);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not restore bridge {Bridge}: {Message}", bridge.Name, e.Message);
            }
        }
        logger.LogInformation("{InPlace} of {Bridges} bridges were in place", inPlace, bridgeCount);
        foreach (var network in networks.All.Where(n => bridges.Find(n.BridgeName) is null))
        {
            logger.LogError("Network {Network} uses bridge {Bridge}, which has no state record; it is not served",
                network.NetworkId, network.BridgeName);
        }
    }

    /// <summary>The veths of deleted endpoints that a stop or crash left to delete: gone before the first
    /// call.</summary>
    private void FinishPendingDeletes()
    {
        foreach (var network in networks.All.Where(n => n.PendingVethDeletes.Count > 0))
        {
            try
            {
                using (networks.LockNetwork(network.NetworkId))
                {
                    logger.LogInformation("Deleting {Count} veths of deleted endpoints of network {Network} left by " +
                        "the last run",
                        network.PendingVethDeletes.Count, network.NetworkId);
                    reaper.Finish(network);
                    networks.Save(network);
                }
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not delete the veths left to delete on network {Network}: {Message}",
                    network.NetworkId, e.Message);
            }
        }
    }

    /// <summary>
    /// The link <paramref name="name"/> was made, changed or deleted: every bridge in use whose record names it (as its
    /// NIC, its VLAN link or the bridge itself) gets back what is missing of its links. Links no record names are never
    /// touched, and nothing is done while everything is in place, so a burst of events costs a few look-ups.
    /// A failure is logged and tried again at the next event. A null name checks every bridge (events were lost).
    /// </summary>
    public void RestoreLinksOf(string? name)
    {
        var candidates = bridges.All
            .Where(b => name is null || b.ExtIf == name || b.VlanLink == name || b.Name == name).ToList();
        foreach (var candidate in candidates)
        {
            // The veths to put back are read first, under each network's lock in turn, and no network's lock is held
            // while this waits for the bridge's: that wait may be a firewall call's, and a held network lock would
            // stall every call that takes it meanwhile (ReleaseAddress visits the networks of the address's subnet).
            var veths = HostVethsOn(candidate.Name);
            using (bridges.LockBridge(candidate.Name))
            {
                // Looked up again under the lock: a call may have removed or replaced the bridge meanwhile.
                if (bridges.Find(candidate.Name) is { } bridge) RestoreIfBroken(bridge, veths);
            }
        }
    }

    /// <summary>The host ends of the endpoints on the bridge, each network read under its own lock.</summary>
    private List<string> HostVethsOn(string bridge)
    {
        var veths = new List<string>();
        foreach (var network in networks.OnBridge(bridge))
        {
            using var held = networks.LockNetwork(network.NetworkId);
            if (networks.Find(network.NetworkId) is { } current)
                veths.AddRange(current.Endpoints.Values.Select(e => e.HostVeth).OfType<string>());
        }
        return veths;
    }

    private void RestoreIfBroken(BridgeRecord bridge, IReadOnlyList<string> veths)
    {
        try
        {
            if (!bridges.InUse(bridge) || Missing(bridge) is not { } missing) return;
            if (IsUsersAndMissing(bridge)) return;
            if (links.FindLink(bridge.ExtIf) is not null)
                logger.LogWarning("Bridge {Bridge}: {Missing}; restoring its links", bridge.Name, missing);
            if (Restore(bridge, veths))
            {
                logger.LogInformation("Restored the links of bridge {Bridge} ({VlanLink})", bridge.Name,
                    bridge.VlanLink);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not restore the links of bridge {Bridge}: {Message}; tried again at the next " +
                "link event", bridge.Name, e.Message);
        }
    }

    /// <summary>
    /// Makes the bridge's links as its record says and puts its containers' veths back on it; returns false, leaving
    /// the bridge and its records as they are, while its NIC is missing (it may appear later, or be re-created).
    /// </summary>
    private bool Restore(BridgeRecord bridge, IReadOnlyList<string> veths, LinkSnapshot? kernel = null)
    {
        if (links.FindLink(bridge.ExtIf) is null)
        {
            if (_waitingForNic.Add(bridge.Name))
            {
                logger.LogWarning("{ExtIf}, the NIC of bridge {Bridge}, is missing; {VlanLink} is made again when " +
                    "{ExtIf} appears, and its networks keep their records",
                    bridge.ExtIf, bridge.Name, bridge.VlanLink, bridge.ExtIf);
            }
            return false;
        }
        _waitingForNic.Remove(bridge.Name);
        bridges.EnsureLinks(bridge, ruleListed: kernel?.Allowed(bridge.Name) == true);
        foreach (var veth in veths) wiring.Reattach(veth, bridge.Name);
        return true;
    }

    /// <summary>The endpoints' veths that exist but are off the bridge or down are put back, as <see cref="Restore"/>
    /// does.</summary>
    private void ReattachMoved(BridgeRecord bridge, IEnumerable<NetworkRecord> onBridge, LinkSnapshot kernel)
    {
        var bridgeIndex = kernel.Find(bridge.Name)?.Index;
        foreach (var endpoint in onBridge.SelectMany(n => n.Endpoints.Values))
        {
            if (endpoint.HostVeth is { } veth && kernel.Find(veth) is { } link
                && (link.MasterIndex != bridgeIndex || !link.IsUp))
            {
                wiring.Reattach(endpoint, bridge.Name);
            }
        }
    }

    /// <summary>
    /// A VLAN link that was there before l2vlan (made by the user, ifupdown, systemd-networkd...) and went with its NIC
    /// is theirs to make again, not l2vlan's: l2vlan waits for it and puts it back on the bridge when it appears.
    /// </summary>
    private bool IsUsersAndMissing(BridgeRecord bridge)
    {
        if (bridge.CreatedVlanLink || links.FindLink(bridge.ExtIf) is null
            || links.FindLink(bridge.VlanLink) is not null)
        {
            _waitingForUsersVlanLink.Remove(bridge.Name);
            return false;
        }
        if (_waitingForUsersVlanLink.Add(bridge.Name))
        {
            logger.LogWarning("{VlanLink}, the VLAN link of bridge {Bridge}, is missing; l2vlan did not make it, so " +
                "it waits for it to be made again and then puts it on the bridge",
                bridge.VlanLink, bridge.Name);
        }
        return true;
    }

    /// <summary>What is not as the record says (the first thing found), or null when the links are in place.</summary>
    private string? Missing(BridgeRecord record)
    {
        if (links.FindLink(record.ExtIf) is null) return $"{record.ExtIf} is missing";
        if (links.FindLink(record.Name) is not { } bridge) return "the bridge is missing";
        if (links.FindLink(record.VlanLink) is not { } vlan) return $"{record.VlanLink} is missing";
        if (vlan.MasterIndex != bridge.Index) return $"{record.VlanLink} is not a port of the bridge";
        if (!vlan.IsUp) return $"{record.VlanLink} is down";
        if (!bridge.IsUp) return "the bridge is down";
        return null;
    }

    /// <summary>
    /// A bridge no network record names may still carry containers: those of a network whose file is in
    /// quarantine (which network that was cannot be read, so every such bridge is kept), or any port the kernel
    /// shows besides the VLAN link. Such a bridge, its VLAN link and its firewall rule are kept as they are.
    /// </summary>
    private bool MayBeInUse(BridgeRecord bridge)
    {
        var quarantined = networks.QuarantinedFiles();
        if (quarantined.Count > 0)
        {
            logger.LogWarning("Bridge {Bridge} has no network record, but network state files are in quarantine " +
                "({Files}); keeping the bridge, {VlanLink} and its firewall rule, as one of them may be on it. " +
                    "Repair and move back, or delete, those files, then restart l2vlan",
                bridge.Name, string.Join(", ", quarantined), bridge.VlanLink);
            return true;
        }
        var ports = Ports(bridge);
        if (ports.Count > 0)
        {
            logger.LogWarning("Bridge {Bridge} has no network record, but ports {Ports} are still on it; keeping the " +
                "bridge, {VlanLink} and its firewall rule",
                bridge.Name, string.Join(", ", ports), bridge.VlanLink);
            return true;
        }
        return false;
    }

    /// <summary>The links on the bridge other than its VLAN link, such as the veths of running containers.</summary>
    private List<string> Ports(BridgeRecord bridge)
    {
        if (links.FindLink(bridge.Name) is not { Kind: "bridge" } link) return [];
        return links.PortsOf(link).Where(l => l.Name != bridge.VlanLink).Select(l => l.Name).ToList();
    }
}
