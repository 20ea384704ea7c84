using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.Protocol;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// l2vlan's network driver: networks are bridges on an external VLAN, endpoints are veth pairs on them.
/// Every create is idempotent (Docker replays swarm networks with the same IDs) and every delete succeeds
/// when the thing is already gone. Not thread-safe: the plugin serialises requests.
/// </summary>
public sealed class NetworkDriver(
    ILinkControl links,
    IArpAnnouncer announcer,
    BridgeLinks bridgeLinks,
    IpamService ipam,
    JsonFileCollection<NetworkRecord> networkStore,
    JsonFileCollection<BridgeRecord> bridgeStore,
    ILogger<NetworkDriver> logger)
{
    private const string GenericOptionsKey = "com.docker.network.generic";
    private const string InternalOptionKey = "com.docker.network.internal";

    private readonly Dictionary<string, NetworkRecord> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BridgeRecord> _bridges = new(StringComparer.Ordinal);

    public IReadOnlyCollection<NetworkRecord> Networks => _networks.Values;
    public IReadOnlyCollection<BridgeRecord> Bridges => _bridges.Values;

    /// <summary>
    /// Loads the state and brings the kernel back in line with it: links lost in a reboot are made again,
    /// bridges left behind by a crash in the middle of a delete are removed. One broken network does not
    /// stop the others.
    /// </summary>
    public void Recover()
    {
        _networks.Clear();
        _bridges.Clear();
        foreach (var (_, n) in networkStore.LoadAll()) _networks[n.NetworkId] = n;
        foreach (var (_, b) in bridgeStore.LoadAll()) _bridges[b.Name] = b;
        logger.LogInformation("Loaded {Networks} networks and {Bridges} bridges", _networks.Count, _bridges.Count);

        foreach (var bridge in _bridges.Values.ToList())
        {
            try
            {
                if (!UsersOf(bridge.Name).Any())
                {
                    logger.LogWarning("Bridge {Bridge} has no network left (an interrupted delete); removing it", bridge.Name);
                    RemoveBridge(bridge);
                    continue;
                }
                if (bridgeLinks.Ensure(bridge)) SaveBridge(bridge);
                foreach (var endpoint in UsersOf(bridge.Name).SelectMany(n => n.Endpoints.Values))
                    if (endpoint.HostVeth is { } veth && links.FindLink(veth) is not null)
                        bridgeLinks.Attach(veth, bridge.Name);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Could not restore bridge {Bridge}: {Message}", bridge.Name, e.Message);
            }
        }
        foreach (var network in _networks.Values.Where(n => !_bridges.ContainsKey(n.BridgeName)))
            logger.LogError("Network {Network} uses bridge {Bridge}, which has no state record; it is not served", network.NetworkId, network.BridgeName);
    }

    public EmptyResponse CreateNetwork(CreateNetworkRequest request)
    {
        var id = RequireId(request.NetworkID, "NetworkID");
        var userOptions = GenericOptions(request.Options);
        if (_networks.TryGetValue(id, out var existing))
        {
            if (!SameOptions(existing.Options, userOptions))
                throw new UserError($"network {id} already exists in l2vlan with other options");
            // Docker re-creates swarm networks with the same ID after it restarts: make sure the links are there.
            if (_bridges.TryGetValue(existing.BridgeName, out var known) && bridgeLinks.Ensure(known)) SaveBridge(known);
            DropEndpointsOfAnEarlierDocker(existing);
            return EmptyResponse.Instance;
        }

        var options = NetworkOptionsParser.Parse(userOptions, name => links.FindLink(name) is not null, File.ReadAllText);
        var subnets = (request.IPv4Data ?? []).Concat(request.IPv6Data ?? [])
            .Where(d => !string.IsNullOrEmpty(d.Pool))
            .Select(d => new SubnetRecord(d.Pool!, d.Gateway))
            .ToList();
        CheckMtu(options);

        var bridge = ClaimBridge(options);
        var network = new NetworkRecord
        {
            NetworkId = id,
            BridgeName = options.BridgeName,
            ExtIf = options.ExtIf,
            VlanId = options.VlanId,
            Mtu = options.Mtu,
            Internal = BoolOption(request.Options, InternalOptionKey),
            Routes = options.Routes.Select(r => r.ToString()).ToList(),
            Subnets = subnets,
            Options = new Dictionary<string, string>(userOptions),
        };
        try
        {
            if (bridgeLinks.Ensure(bridge)) SaveBridge(bridge);
        }
        catch
        {
            if (!UsersOf(bridge.Name).Any()) RemoveBridge(bridge);
            throw;
        }
        networkStore.Save(id, network);
        _networks[id] = network;

        foreach (var data in (request.IPv4Data ?? []).Concat(request.IPv6Data ?? []))
            foreach (var aux in (data.AuxAddresses ?? []).Values)
                if (Cidr.TryParseInterfaceAddress(aux, out var address, out _)) ipam.MarkAuxiliary(address);

        logger.LogInformation("Network {Network} created on bridge {Bridge} ({VlanLink})", id, bridge.Name, bridge.VlanLink);
        return EmptyResponse.Instance;
    }

    public EmptyResponse DeleteNetwork(NetworkRequest request)
    {
        if (!_networks.TryGetValue(request.NetworkID, out var network)) return EmptyResponse.Instance;
        foreach (var endpoint in network.Endpoints.Values) DeleteVeth(endpoint);
        networkStore.Delete(network.NetworkId);
        _networks.Remove(network.NetworkId);
        if (_bridges.TryGetValue(network.BridgeName, out var bridge) && !UsersOf(bridge.Name).Any()) RemoveBridge(bridge);
        logger.LogInformation("Network {Network} deleted", network.NetworkId);
        return EmptyResponse.Instance;
    }

    public CreateEndpointResponse CreateEndpoint(CreateEndpointRequest request)
    {
        var network = Network(request.NetworkID);
        var endpointId = RequireId(request.EndpointID, "EndpointID");
        if (network.Endpoints.TryGetValue(endpointId, out var known) && !known.Deleted)
            return new CreateEndpointResponse { Interface = new EndpointInterface { MacAddress = known.MacAddress } };

        var v4 = CheckAddress(network, request.Interface?.Address);
        var v6 = CheckAddress(network, request.Interface?.AddressIPv6);
        if (v4 is null && v6 is null)
            throw new UserError("the endpoint has no address; l2vlan networks need one (use --ipam-driver l2vlan with --subnet)");

        var givenMac = request.Interface?.MacAddress;
        string mac;
        if (!string.IsNullOrEmpty(givenMac))
        {
            if (!EndpointLinks.TryParseMac(givenMac, out var parsed))
                throw new UserError($"--mac-address {givenMac} is not a MAC address (example: 02:42:c0:a8:01:04)");
            mac = EndpointLinks.Format(parsed);
        }
        else
        {
            mac = EndpointLinks.Format(EndpointLinks.MacFor((v4 ?? v6)!));
        }

        network.Endpoints[endpointId] = new EndpointRecord
        {
            EndpointId = endpointId,
            Address = request.Interface?.Address is { Length: > 0 } a ? a : null,
            AddressIPv6 = request.Interface?.AddressIPv6 is { Length: > 0 } b ? b : null,
            MacAddress = mac,
        };
        networkStore.Save(network.NetworkId, network);
        // Docker refuses a reply that changes a field it filled; fill the MAC only when it came empty.
        return new CreateEndpointResponse
        {
            Interface = string.IsNullOrEmpty(givenMac) ? new EndpointInterface { MacAddress = mac } : null,
        };
    }

    public EmptyResponse DeleteEndpoint(EndpointRequest request)
    {
        if (!_networks.TryGetValue(request.NetworkID, out var network)) return EmptyResponse.Instance;
        if (!network.Endpoints.TryGetValue(request.EndpointID, out var endpoint)) return EmptyResponse.Instance;
        DeleteVeth(endpoint);
        endpoint.HostVeth = null;
        endpoint.ContainerVeth = null;
        // Docker releases the addresses right after; until then the record says whose they were.
        endpoint.Deleted = true;
        if (endpoint.Address is null && endpoint.AddressIPv6 is null) network.Endpoints.Remove(endpoint.EndpointId);
        networkStore.Save(network.NetworkId, network);
        return EmptyResponse.Instance;
    }

    /// <summary>Docker released an address through the IPAM: a deleted endpoint that held it is done with.</summary>
    public void AddressReleased(string? address)
    {
        if (!IPAddress.TryParse(address?.Split('/')[0], out var released)) return;
        foreach (var network in _networks.Values)
        {
            var changed = false;
            foreach (var endpoint in network.Endpoints.Values.Where(e => e.Deleted).ToList())
            {
                if (Holds(endpoint.Address, released)) (endpoint.Address, changed) = (null, true);
                if (Holds(endpoint.AddressIPv6, released)) (endpoint.AddressIPv6, changed) = (null, true);
                if (endpoint.Address is null && endpoint.AddressIPv6 is null) network.Endpoints.Remove(endpoint.EndpointId);
            }
            if (changed) networkStore.Save(network.NetworkId, network);
        }
    }

    public JoinResponse Join(JoinRequest request)
    {
        var network = Network(request.NetworkID);
        var endpoint = network.Endpoints.GetValueOrDefault(request.EndpointID) is { Deleted: false } e ? e
            : throw new UserError($"l2vlan network {network.NetworkId} has no endpoint {request.EndpointID}");

        // A second Join of the same endpoint starts again from a fresh pair.
        DeleteVeth(endpoint);
        var (host, container) = EndpointLinks.PickVethNames(endpoint.EndpointId, name => links.FindLink(name) is not null);
        endpoint.HostVeth = host;
        endpoint.ContainerVeth = container;
        networkStore.Save(network.NetworkId, network); // recorded before it exists, so it can never leak

        EndpointLinks.TryParseMac(endpoint.MacAddress, out var mac);
        links.CreateVethPair(host, container, mac, network.Mtu);
        bridgeLinks.Attach(host, network.BridgeName);
        Announce(network, endpoint, mac);

        var gateway4 = GatewayFor(network, endpoint.Address);
        var gateway6 = GatewayFor(network, endpoint.AddressIPv6);
        return new JoinResponse
        {
            InterfaceName = new InterfaceName { SrcName = container, DstPrefix = "eth" },
            Gateway = network.Internal ? null : gateway4?.ToString(),
            GatewayIPv6 = network.Internal ? null : gateway6?.ToString(),
            StaticRoutes = StaticRoutes(network, gateway4, gateway6),
        };
    }

    public EmptyResponse Leave(EndpointRequest request) => EmptyResponse.Instance;

    public EndpointOperInfoResponse EndpointOperInfo(EndpointRequest request)
    {
        var info = new EndpointOperInfoResponse();
        if (_networks.TryGetValue(request.NetworkID, out var network) && network.Endpoints.TryGetValue(request.EndpointID, out var endpoint))
        {
            info.Value["bridge"] = network.BridgeName;
            if (endpoint.HostVeth is not null) info.Value["host_veth"] = endpoint.HostVeth;
            info.Value["mac_address"] = endpoint.MacAddress;
        }
        return info;
    }

    /// <summary>
    /// One gratuitous ARP out of the bridge as soon as the port exists: the switches learn that this
    /// address now lives behind this node, which matters when a swarm task moved here from another node.
    /// </summary>
    private void Announce(NetworkRecord network, EndpointRecord endpoint, System.Net.NetworkInformation.PhysicalAddress mac)
    {
        if (!Cidr.TryParseInterfaceAddress(endpoint.Address, out var v4, out _)) return;
        try
        {
            var bridge = links.FindLink(network.BridgeName) ?? throw new InvalidOperationException($"bridge {network.BridgeName} is missing");
            announcer.Announce(bridge.Index, mac, v4);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not announce {Address} on {Bridge}: {Message}", v4, network.BridgeName, e.Message);
        }
    }

    private BridgeRecord ClaimBridge(NetworkOptions options)
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
                SaveBridge(bridge);
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
        SaveBridge(bridge);
        _bridges[bridge.Name] = bridge;
        return bridge;
    }

    private void RemoveBridge(BridgeRecord bridge)
    {
        bridgeLinks.Remove(bridge);
        bridgeStore.Delete(bridge.Name);
        _bridges.Remove(bridge.Name);
    }

    private void CheckMtu(NetworkOptions options)
    {
        if (options.Mtu is not { } mtu) return;
        var parent = links.FindLink(options.ExtIf);
        if (parent is not null && mtu > parent.Mtu)
            throw new UserError($"-o mtu={mtu} is larger than the MTU {parent.Mtu} of {options.ExtIf}; expected at most {parent.Mtu}");
    }

    /// <summary>
    /// Docker creates a network it already created only when an earlier dockerd exited without deleting it:
    /// swarm networks after dockerd was killed, or cut short by its 15 s shutdown limit. That dockerd's
    /// containers are gone, and nobody will delete their endpoints or release their addresses; left alone,
    /// a fixed address would stay taken and its task could never start again.
    /// </summary>
    private void DropEndpointsOfAnEarlierDocker(NetworkRecord network)
    {
        if (network.Endpoints.Count == 0) return;
        foreach (var endpoint in network.Endpoints.Values)
        {
            DeleteVeth(endpoint);
            foreach (var cidr in new[] { endpoint.Address, endpoint.AddressIPv6 })
                if (Cidr.TryParseInterfaceAddress(cidr, out var address, out _)) ipam.Reclaim(address);
            logger.LogWarning("Network {Network} re-created by a new dockerd: endpoint {Endpoint} of the earlier one dropped", network.NetworkId, endpoint.EndpointId);
        }
        network.Endpoints.Clear();
        networkStore.Save(network.NetworkId, network);
    }

    private static bool Holds(string? cidr, IPAddress address) =>
        Cidr.TryParseInterfaceAddress(cidr, out var held, out _) && held.Equals(address);

    private void DeleteVeth(EndpointRecord endpoint)
    {
        // Deleting one end of a veth deletes both; the container end may be in a container by now.
        if (endpoint.HostVeth is { } host && links.DeleteLink(host))
            logger.LogInformation("Deleted veth {Veth} of endpoint {Endpoint}", host, endpoint.EndpointId);
    }

    private static IPAddress? CheckAddress(NetworkRecord network, string? cidr)
    {
        if (string.IsNullOrEmpty(cidr)) return null;
        if (!Cidr.TryParseInterfaceAddress(cidr, out var address, out _))
            throw new UserError($"'{cidr}' is not an address in CIDR form");
        if (network.Subnets.Count > 0 && !network.Subnets.Any(s => Cidr.TryParse(s.Subnet, out var subnet, out _) && subnet.Contains(address)))
            throw new UserError($"address {address} is in none of the network's subnets ({string.Join(", ", network.Subnets.Select(s => s.Subnet))})");
        return address;
    }

    private static IPAddress? GatewayFor(NetworkRecord network, string? endpointCidr)
    {
        if (!Cidr.TryParseInterfaceAddress(endpointCidr, out var address, out _)) return null;
        foreach (var s in network.Subnets)
        {
            if (!Cidr.TryParse(s.Subnet, out var subnet, out _) || !subnet.Contains(address)) continue;
            if (Cidr.TryParseInterfaceAddress(s.Gateway, out var gateway, out _)) return gateway;
        }
        return null;
    }

    private static List<StaticRoute>? StaticRoutes(NetworkRecord network, IPAddress? gateway4, IPAddress? gateway6)
    {
        var routes = new List<StaticRoute>();
        foreach (var text in network.Routes)
        {
            if (!Cidr.TryParse(text, out var route, out _)) continue;
            var via = route.Family == AddressFamily.InterNetwork ? gateway4 : gateway6;
            if (via is not null) routes.Add(new StaticRoute { Destination = route.ToString(), RouteType = 0, NextHop = via.ToString() });
        }
        return routes.Count > 0 ? routes : null;
    }

    private NetworkRecord Network(string id) =>
        _networks.GetValueOrDefault(id)
            ?? throw new UserError($"l2vlan has no network {id} (was it created while l2vlan's state was lost? see journalctl -u l2vlan)");

    private IEnumerable<NetworkRecord> UsersOf(string bridge) => _networks.Values.Where(n => n.BridgeName == bridge);

    private void SaveBridge(BridgeRecord bridge) => bridgeStore.Save(bridge.Name, bridge);

    private static string RequireId(string? id, string field) =>
        string.IsNullOrWhiteSpace(id) || id.Contains('/') || id.StartsWith('.')
            ? throw new UserError($"Docker sent no usable {field} ('{id}')")
            : id;

    /// <summary>The -o options; Docker sends them as strings, but be lenient with numbers and booleans.</summary>
    private static Dictionary<string, string> GenericOptions(Dictionary<string, JsonElement>? options)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options is null || !options.TryGetValue(GenericOptionsKey, out var generic) || generic.ValueKind != JsonValueKind.Object)
            return result;
        foreach (var property in generic.EnumerateObject())
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        return result;
    }

    private static bool BoolOption(Dictionary<string, JsonElement>? options, string key) =>
        options is not null && options.TryGetValue(key, out var value)
        && (value.ValueKind == JsonValueKind.True || (value.ValueKind == JsonValueKind.String && value.GetString() == "true"));

    private static bool SameOptions(Dictionary<string, string> a, Dictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
