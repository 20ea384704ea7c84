using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// At start: loads the networks and bridges and brings the kernel back in line with them. Links lost in a
/// reboot are made again, bridges left behind by a crash in the middle of a delete are removed. One broken
/// network does not stop the others.
/// </summary>
public sealed class StateRecovery(NetworkRegistry networks, BridgeRegistry bridges, EndpointWiring wiring, ILogger<StateRecovery> logger)
{
    public void Recover()
    {
        var networkCount = networks.Load();
        var bridgeCount = bridges.Load();
        logger.LogInformation("Loaded {Networks} networks and {Bridges} bridges", networkCount, bridgeCount);

        foreach (var bridge in bridges.All.ToList())
        {
            try
            {
                if (!bridges.InUse(bridge))
                {
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
}
