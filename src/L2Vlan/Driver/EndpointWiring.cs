using L2Vlan.Netlink;
using L2Vlan.Packets;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// Plugs an endpoint into its network's bridge: a veth pair whose names are recorded before it exists (so it can
/// never leak), the host end on the bridge, and one gratuitous ARP or unsolicited neighbour advertisement per address.
/// Unplugging deletes the pair.
/// </summary>
public sealed class EndpointWiring(
    ILinkControl links,
    IArpAnnouncer announcer,
    BridgeLinks bridgeLinks,
    NetworkRegistry networks,
    VethReaper reaper,
    ILogger<EndpointWiring> logger)
{
    /// <summary>Makes a fresh pair for the endpoint (a second Join starts again); returns the container's
    /// end.</summary>
    public string Plug(NetworkRecord network, EndpointRecord endpoint)
    {
        Unplug(endpoint);
        var (host, container) = EndpointLinks.PickVethNames(endpoint.EndpointId, name => reaper.IsPending(name)
            || links.FindLink(name) is not null);
        endpoint.HostVeth = host;
        endpoint.ContainerVeth = container;
        networks.Save(network);

        links.CreateVethPair(host, container, endpoint.MacAddress, network.Mtu);
        bridgeLinks.Attach(host, network.BridgeName);
        Announce(network, endpoint);
        return container;
    }

    /// <summary>Deletes the endpoint's pair, if it has one; the caller saves the record.</summary>
    public void Unplug(EndpointRecord endpoint)
    {
        // Deleting one end of a veth deletes both; the container end may be in a container by now.
        if (endpoint.HostVeth is { } host && links.DeleteLink(host))
            logger.LogInformation("Deleted veth {Veth} of endpoint {Endpoint}", host, endpoint.EndpointId);
        endpoint.HostVeth = null;
        endpoint.ContainerVeth = null;
    }

    /// <summary>
    /// Records the endpoint's pair, if it has one, as the network's to delete, and clears the endpoint's names; the
    /// caller saves the network and then hands the returned host end to <see cref="VethReaper.Enqueue"/>.
    /// </summary>
    public string? UnplugLater(NetworkRecord network, EndpointRecord endpoint)
    {
        var host = endpoint.HostVeth;
        if (host is not null && !network.PendingVethDeletes.Contains(host)) network.PendingVethDeletes.Add(host);
        endpoint.HostVeth = null;
        endpoint.ContainerVeth = null;
        return host;
    }

    /// <summary>Puts the endpoint's host end back on the bridge, e.g. after the bridge was re-created.</summary>
    public void Reattach(EndpointRecord endpoint, string bridgeName)
    {
        if (endpoint.HostVeth is { } veth) Reattach(veth, bridgeName);
    }

    /// <summary>Puts an endpoint's host end, by name, back on the bridge, when it exists.</summary>
    public void Reattach(string hostVeth, string bridgeName)
    {
        if (links.FindLink(hostVeth) is not null) bridgeLinks.Attach(hostVeth, bridgeName);
    }

    /// <summary>
    /// One gratuitous ARP, and for an IPv6 address one unsolicited neighbour advertisement, out of the bridge as soon
    /// as the port exists: the switches and the router learn that the address now lives behind this node, which
    /// matters when a swarm task moved here from another node.
    /// </summary>
    private void Announce(NetworkRecord network, EndpointRecord endpoint)
    {
        foreach (var address in new[] { endpoint.Address, endpoint.AddressIPv6 })
        {
            if (address is not { } announced) continue;
            try
            {
                var bridge = links.FindLink(network.BridgeName)
                    ?? throw new InvalidOperationException($"bridge {network.BridgeName} is missing");
                announcer.Announce(bridge.Index, endpoint.MacAddress, announced.Address);
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not announce {Address} on {Bridge}: {Message}", announced.Address,
                    network.BridgeName, e.Message);
            }
        }
    }
}
