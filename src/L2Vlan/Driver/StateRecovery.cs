using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// At start: loads the networks and bridges and brings the kernel back in line with them. Links lost in a
/// reboot are made again, bridges left behind by a crash in the middle of a delete are removed. One broken
/// network does not stop the others. The pools, loaded before, are checked against the networks' records.
/// </summary>
public sealed class StateRecovery(
    NetworkRegistry networks,
    BridgeRegistry bridges,
    EndpointWiring wiring,
    IpamService ipam,
    ILinkControl links,
    ILogger<StateRecovery> logger)
{
    public void Recover()
    {
        var networkCount = networks.Load();
        var bridgeCount = bridges.Load();
        logger.LogInformation("Loaded {Networks} networks and {Bridges} bridges", networkCount, bridgeCount);
        ipam.HoldAddressesOfNetworks();

        foreach (var bridge in bridges.All.ToList())
        {
            try
            {
                if (!bridges.InUse(bridge))
                {
                    if (MayBeInUse(bridge)) continue;
                    logger.LogWarning("Bridge {Bridge} has no network left (an interrupted delete); removing it", bridge.Name);
                    bridges.Remove(bridge);
                    continue;
                }
                bridges.EnsureLinks(bridge);
                foreach (var endpoint in networks.OnBridge(bridge.Name).SelectMany(n => n.Endpoints.Values))
                    wiring.Reattach(endpoint, bridge.Name);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not restore bridge {Bridge}: {Message}", bridge.Name, e.Message);
            }
        }
        foreach (var network in networks.All.Where(n => bridges.Find(n.BridgeName) is null))
            logger.LogError("Network {Network} uses bridge {Bridge}, which has no state record; it is not served", network.NetworkId, network.BridgeName);
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
            logger.LogWarning("Bridge {Bridge} has no network record, but network state files are in quarantine ({Files}); keeping the bridge, {VlanLink} and its firewall rule, as one of them may be on it. Repair and move back, or delete, those files, then restart l2vlan",
                bridge.Name, string.Join(", ", quarantined), bridge.VlanLink);
            return true;
        }
        var ports = Ports(bridge);
        if (ports.Count > 0)
        {
            logger.LogWarning("Bridge {Bridge} has no network record, but ports {Ports} are still on it; keeping the bridge, {VlanLink} and its firewall rule",
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
