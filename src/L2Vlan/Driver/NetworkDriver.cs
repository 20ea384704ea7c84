using System.Net.NetworkInformation;
using L2Vlan.Domain;
using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// l2vlan's network driver: networks are bridges on an external VLAN, endpoints are veth pairs on them.
/// Every create is idempotent (Docker replays swarm networks with the same IDs) and every delete succeeds
/// when the thing is already gone. Not thread-safe: the plugin serialises requests.
/// </summary>
public sealed class NetworkDriver(
    NetworkRegistry networks,
    BridgeRegistry bridges,
    EndpointWiring wiring,
    DeadDockerdPolicy deadDockerd,
    IpamService ipam,
    ILinkControl links,
    ILogger<NetworkDriver> logger)
{
    public IReadOnlyCollection<NetworkRecord> Networks => networks.All;
    public IReadOnlyCollection<BridgeRecord> Bridges => bridges.All;

    public void CreateNetwork(NetworkSpec spec)
    {
        var id = RequireId(spec.NetworkId, "NetworkID");
        if (networks.Find(id) is { } existing)
        {
            if (!SameOptions(existing.Options, spec.Options))
                throw new UserError($"network {id} already exists in l2vlan with other options");
            // Docker re-creates swarm networks with the same ID after it restarts: make sure the links are there.
            if (bridges.Find(existing.BridgeName) is { } known) bridges.EnsureLinks(known);
            deadDockerd.NetworkRecreated(existing);
            return;
        }

        var options = NetworkOptionsParser.Parse(spec.Options, name => links.FindLink(name) is not null, ParentFile.Read);
        CheckMtu(options);
        var bridge = bridges.Claim(options);
        var network = new NetworkRecord
        {
            NetworkId = id,
            BridgeName = options.BridgeName,
            ExtIf = options.ExtIf,
            VlanId = options.VlanId,
            Mtu = options.Mtu,
            Internal = spec.Internal,
            Routes = options.Routes.ToList(),
            Subnets = spec.Subnets.ToList(),
            AuxAddresses = spec.AuxAddresses.Count == 0 ? null : spec.AuxAddresses.ToList(),
            Options = new Dictionary<string, string>(spec.Options),
        };
        try
        {
            bridges.EnsureLinks(bridge);
        }
        catch
        {
            try
            {
                bridges.RemoveIfUnused(bridge.Name);
            }
            catch (Exception cleanup)
            {
                // The user needs the first error; the bridge's record stays and start-up tries the removal again.
                logger.LogError("Bridge {Bridge} is kept after a failed create: {Message}", bridge.Name, cleanup.Message);
            }
            throw;
        }
        networks.Add(network);
        foreach (var aux in spec.AuxAddresses) ipam.MarkAuxiliary(aux);
        logger.LogInformation("Network {Network} created on bridge {Bridge} ({VlanLink})", id, bridge.Name, bridge.VlanLink);
    }

    public void DeleteNetwork(string networkId)
    {
        if (networks.Find(networkId) is not { } network) return;
        foreach (var endpoint in network.Endpoints.Values) wiring.Unplug(endpoint);
        networks.Remove(network);
        ipam.NetworkDeleted(network);
        bridges.RemoveIfUnused(network.BridgeName);
        logger.LogInformation("Network {Network} deleted", network.NetworkId);
    }

    /// <summary>
    /// Records the endpoint with its addresses and MAC: <paramref name="mac"/>, or else one made from its address.
    /// <c>Known</c> tells a replay of an endpoint that exists already.
    /// </summary>
    public (PhysicalAddress Mac, bool Known) CreateEndpoint(string networkId, string endpointId, InterfaceAddress? address, InterfaceAddress? addressIPv6, PhysicalAddress? mac)
    {
        var network = Network(networkId);
        endpointId = RequireId(endpointId, "EndpointID");
        if (network.Endpoints.TryGetValue(endpointId, out var known) && !known.Deleted) return (known.MacAddress, true);

        CheckInSubnets(network, address);
        CheckInSubnets(network, addressIPv6);
        var first = address ?? addressIPv6
            ?? throw new UserError("the endpoint has no address; l2vlan networks need one (use --ipam-driver l2vlan with --subnet)");

        var endpoint = new EndpointRecord
        {
            EndpointId = endpointId,
            Address = address,
            AddressIPv6 = addressIPv6,
            MacAddress = mac ?? EndpointLinks.MacFor(first.Address),
        };
        network.Endpoints[endpointId] = endpoint;
        networks.Save(network);
        return (endpoint.MacAddress, false);
    }

    public void DeleteEndpoint(string networkId, string endpointId)
    {
        if (networks.Find(networkId) is not { } network || !network.Endpoints.TryGetValue(endpointId, out var endpoint)) return;
        wiring.Unplug(endpoint);
        ipam.EndpointDeleted(network, endpoint);
    }

    public JoinResult Join(string networkId, string endpointId)
    {
        var network = Network(networkId);
        var endpoint = network.Endpoints.GetValueOrDefault(endpointId) is { Deleted: false } e ? e
            : throw new UserError($"l2vlan network {network.NetworkId} has no endpoint {endpointId}");

        var container = wiring.Plug(network, endpoint);
        var gateway4 = Gateways.For(network, endpoint.Address);
        var gateway6 = Gateways.For(network, endpoint.AddressIPv6);
        return new JoinResult(
            container,
            network.Internal ? null : gateway4,
            network.Internal ? null : gateway6,
            Gateways.Routes(network, gateway4, gateway6));
    }

    /// <summary>The endpoint and the bridge it is on, or null when l2vlan does not know it.</summary>
    public (string Bridge, EndpointRecord Endpoint)? Endpoint(string networkId, string endpointId) =>
        networks.Find(networkId) is { } network && network.Endpoints.TryGetValue(endpointId, out var endpoint)
            ? (network.BridgeName, endpoint)
            : null;

    private void CheckMtu(NetworkOptions options)
    {
        if (options.Mtu is not { } mtu) return;
        var parent = links.FindLink(options.ExtIf);
        if (parent is not null && mtu > parent.Mtu)
            throw new UserError($"-o mtu={mtu} is larger than the MTU {parent.Mtu} of {options.ExtIf}; expected at most {parent.Mtu}");
    }

    private static void CheckInSubnets(NetworkRecord network, InterfaceAddress? endpointAddress)
    {
        if (endpointAddress is not { Address: var address }) return;
        if (network.Subnets.Count > 0 && !network.Subnets.Any(s => s.Subnet.Contains(address)))
            throw new UserError($"address {address} is in none of the network's subnets ({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
    }

    private NetworkRecord Network(string id) =>
        networks.Find(id)
            ?? throw new UserError($"l2vlan has no network {id} (was it created while l2vlan's state was lost? see journalctl -u l2vlan)");

    private static string RequireId(string? id, string field) =>
        string.IsNullOrWhiteSpace(id) || id.Contains('/') || id.StartsWith('.')
            ? throw new UserError($"Docker sent no usable {field} ('{id}')")
            : id;

    private static bool SameOptions(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
