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
    /// <summary>A veth pair recorded for an endpoint, to be made by <see cref="Make"/>.</summary>
    public sealed record PlannedPair(string Host, string Container, System.Net.NetworkInformation.PhysicalAddress Mac,
        int? Mtu, string Bridge, IReadOnlyList<System.Net.IPAddress> Announced);

    /// <summary>
    /// Deletes the endpoint's old pair (a second Join starts again) and records the names of a fresh one, under the
    /// network's lock; <see cref="Make"/> then makes it, without that lock.
    /// </summary>
    public PlannedPair Record(NetworkRecord network, EndpointRecord endpoint)
    {
        Unplug(endpoint);
        var (host, container) = EndpointLinks.PickVethNames(endpoint.EndpointId, name => reaper.IsPending(name)
            || links.FindLink(name) is not null);
        endpoint.HostVeth = host;
        endpoint.ContainerVeth = container;
        networks.Save(network);
        var announced = new[] { endpoint.Address, endpoint.AddressIPv6 }.OfType<Domain.InterfaceAddress>()
            .Select(a => a.Address);
        return new PlannedPair(host, container, endpoint.MacAddress, network.Mtu, network.BridgeName, [.. announced]);
    }

    /// <summary>Makes the recorded pair, puts its host end on the bridge and announces its addresses.</summary>
    public void Make(PlannedPair pair)
    {
        links.CreateVethPair(pair.Host, pair.Container, pair.Mac, pair.Mtu);
        bridgeLinks.Attach(pair.Host, pair.Bridge);
        Announce(pair);
    }

    /// <summary>Deletes a pair made for an endpoint that went (its network forgotten) while it was made.</summary>
    public void Discard(PlannedPair pair)
    {
        if (links.DeleteLink(pair.Host))
            logger.LogInformation("Deleted veth {Veth}: its endpoint went while it was made", pair.Host);
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
    private void Announce(PlannedPair pair)
    {
        foreach (var address in pair.Announced)
        {
            try
            {
                var bridge = links.FindLink(pair.Bridge)
                    ?? throw new InvalidOperationException($"bridge {pair.Bridge} is missing");
                announcer.Announce(bridge.Index, pair.Mac, address);
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not announce {Address} on {Bridge}: {Message}",
                    address, pair.Bridge, e.Message);
            }
        }
    }
}
