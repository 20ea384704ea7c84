using L2Vlan.Ipam;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Docker creates a network it already created only when an earlier dockerd exited without deleting it:
/// swarm networks after dockerd was killed, or cut short by its 15 s shutdown limit. That dockerd's
/// containers are gone, and nobody will delete their endpoints or release their addresses; left alone,
/// a fixed address would stay taken and its task could never start again. So the re-creation is the sign:
/// the endpoints still recorded on the network are dropped, and the IPAM reclaims their addresses.
/// </summary>
public sealed class DeadDockerdPolicy(EndpointWiring wiring, IpamService ipam, ILogger<DeadDockerdPolicy> logger)
{
    public void NetworkRecreated(NetworkRecord network)
    {
        foreach (var endpoint in network.Endpoints.Values)
        {
            wiring.Unplug(endpoint);
            logger.LogWarning("Network {Network} re-created by a new dockerd: endpoint {Endpoint} of the earlier one " +
                "dropped", network.NetworkId, endpoint.EndpointId);
        }
        ipam.ReclaimEndpointsOf(network);
    }
}
