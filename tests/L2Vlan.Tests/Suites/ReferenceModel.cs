using System.Net;
using System.Text.Json;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// What the state should be after a sequence of accepted (200) requests, written from the protocol notes and README's
/// "What l2vlan does where Docker leaves it open", never from the product's code: pools (ID subnet@range) count the
/// RequestPools that hold them and go with the last one once no address of theirs is handed out and no network of their
/// subnet needs them for a gateway or --aux-address no other pool holds; gateways are recorded per pool and never
/// released; addresses are held by endpoints' requests or as --aux-address; a network records its bridge (bridge_name
/// or vlan&lt;id&gt;), VLAN and subnets; an endpoint its address and MAC (given, or 02:6c: + the IPv4 bytes); a deleted
/// endpoint stays until its address is released; a network created again drops its endpoints and their addresses, and
/// one pool request of theirs. Addresses the service chooses are taken from its reply. <see cref="Describe"/> gives the
/// state as sorted lines that <see cref="ObservedState"/> also writes.
/// </summary>
internal sealed class ReferenceModel
{
    private sealed class Pool(string subnet)
    {
        public string Subnet { get; } = subnet;
        public int Holders { get; set; } = 1;
        public SortedSet<string> Gateways { get; } = new(StringComparer.Ordinal);
        /// <summary>Address → true when it is an --aux-address of a network.</summary>
        public SortedDictionary<string, bool> Held { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Network
    {
        public required string Bridge { get; init; }
        public required string VlanLink { get; init; }
        public required int Vlan { get; init; }
        public required List<(string Subnet, string? Gateway)> Subnets { get; init; }
        public required string Options { get; init; }
        public required List<string> Aux { get; init; }
        public Dictionary<string, Endpoint> Endpoints { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Endpoint
    {
        public string? Address { get; set; }
        public required string Mac { get; init; }
        public bool Deleted { get; set; }
        public bool Plugged { get; set; }
    }

    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Network> _networks = new(StringComparer.Ordinal);

    /// <summary>Where the model and the service's answers disagree already while requests are fed (an address handed
    /// out twice).</summary>
    public List<string> Disagreements { get; } = [];

    public int Networks => _networks.Count;
    public int Endpoints => _networks.Values.Sum(n => n.Endpoints.Count);
    public int HeldAddresses => _pools.Values.Sum(p => p.Held.Count + p.Gateways.Count);

    /// <summary>Feeds one request the service accepted, with its reply.</summary>
    public void Accepted(string path, string body, string reply)
    {
        var request = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
        var answer = JsonDocument.Parse(reply).RootElement;
        switch (path)
        {
            case "/IpamDriver.RequestPool": RequestPool(request, answer); break;
            case "/IpamDriver.ReleasePool": ReleasePool(Text(request, "PoolID")); break;
            case "/IpamDriver.RequestAddress": RequestAddress(request, answer); break;
            case "/IpamDriver.ReleaseAddress": ReleaseAddress(Text(request, "PoolID"), Text(request, "Address")); break;
            case "/NetworkDriver.CreateNetwork": CreateNetwork(request); break;
            case "/NetworkDriver.DeleteNetwork": DeleteNetwork(Text(request, "NetworkID")); break;
            case "/NetworkDriver.CreateEndpoint": CreateEndpoint(request); break;
            case "/NetworkDriver.DeleteEndpoint":
                DeleteEndpoint(Text(request, "NetworkID"), Text(request, "EndpointID"));
                break;
            case "/NetworkDriver.Join":
                _networks[Text(request, "NetworkID")].Endpoints[Text(request, "EndpointID")].Plugged = true;
                break;
            default: break; // The others change nothing (Leave included: the veth goes with the endpoint).
        }
    }

    private void RequestPool(JsonElement request, JsonElement answer)
    {
        var range = Text(request, "SubPool");
        var id = Text(request, "Pool") + (range.Length == 0 ? "" : "@" + range);
        if (Text(answer, "PoolID") != id)
            Disagreements.Add($"RequestPool {id} answered the pool ID {Text(answer, "PoolID")}");
        if (_pools.TryGetValue(id, out var pool)) pool.Holders++;
        else _pools[id] = new Pool(Text(request, "Pool"));
    }

    private void ReleasePool(string id)
    {
        if (!_pools.TryGetValue(id, out var pool)) return;
        pool.Holders = Math.Max(0, pool.Holders - 1);
        DropIfUnused(id);
    }

    private void RequestAddress(JsonElement request, JsonElement answer)
    {
        var pool = _pools[Text(request, "PoolID")];
        var address = AddressOf(Text(answer, "Address"));
        var gateway = request.TryGetProperty("Options", out var options) && options.ValueKind == JsonValueKind.Object
            && options.TryGetProperty("RequestAddressType", out var type)
                && type.GetString() == "com.docker.network.gateway";
        if (gateway)
        {
            pool.Gateways.Add(address);
            return;
        }
        // Docker asks again for an --aux-address when it re-creates a network.
        if (pool.Held.TryGetValue(address, out var aux) && aux) return;
        if (SharingSubnet(pool.Subnet)
            .Any(other => other.Held.ContainsKey(address) || other.Gateways.Contains(address)))
        {
            Disagreements.Add($"{address} handed out while a pool of its subnet held it");
        }
        pool.Held[address] = false;
    }

    private void ReleaseAddress(string poolId, string text)
    {
        if (!IPAddress.TryParse(text, out var parsed)) return;
        var address = parsed.ToString();
        if (_pools.TryGetValue(poolId, out var pool) && pool.Held.Remove(address)) DropIfUnused(poolId);
        // A deleted endpoint waits for its address's release, then goes.
        foreach (var network in _networks.Values)
        {
            var released = network.Endpoints.Where(e => e.Value.Deleted && e.Value.Address == address).ToList();
            foreach (var (id, _) in released) network.Endpoints.Remove(id);
        }
    }

    private void CreateNetwork(JsonElement request)
    {
        var id = Text(request, "NetworkID");
        var generic = request.GetProperty("Options").GetProperty("com.docker.network.generic");
        var optionsText = string.Join(",", generic.EnumerateObject().Select(o => $"{o.Name}={o.Value.GetString()}")
            .Order());
        if (_networks.TryGetValue(id, out var existing))
        {
            if (existing.Options != optionsText) Disagreements.Add($"network {id} created again with other options");
            Recreated(existing);
            return;
        }
        var (extIf, vlan) = generic.TryGetProperty("parent", out var parent)
            ? (parent.GetString()!.Split('.')[0], int.Parse(parent.GetString()!.Split('.')[1]))
            : (Text(generic, "ext_if"), int.Parse(Text(generic, "vlan_id")));
        var bridge = generic.TryGetProperty("bridge_name", out var name) ? name.GetString()! : $"vlan{vlan}";
        var data = request.GetProperty("IPv4Data").EnumerateArray().ToList();
        var auxAddresses = data.Where(d => d.TryGetProperty("AuxAddresses", out _))
            .SelectMany(d => d.GetProperty("AuxAddresses").EnumerateObject())
                .Select(a => AddressOf(a.Value.GetString()!)).ToList();
        _networks[id] = new Network
        {
            Bridge = bridge,
            VlanLink = $"{extIf}.{vlan}",
            Vlan = vlan,
            Options = optionsText,
            Aux = auxAddresses,
            Subnets = data.Select(d => (Text(d, "Pool"), d.TryGetProperty("Gateway", out var g) ? g.GetString() : null))
                .ToList(),
        };
        foreach (var aux in auxAddresses)
        {
            foreach (var pool in _pools.Values.Where(p => p.Held.ContainsKey(aux))) pool.Held[aux] = true;
        }
    }

    /// <summary>A dockerd that died left the endpoints: they go, their addresses are reclaimed, and the dead dockerd's
    /// pool request is dropped.</summary>
    private void Recreated(Network network)
    {
        if (network.Endpoints.Count == 0) return;
        var addresses = network.Endpoints.Values.Select(e => e.Address).OfType<string>().ToList();
        foreach (var pool in _pools.Values.Where(p => addresses.Any(a => p.Held.TryGetValue(a, out var aux) && !aux)))
            if (pool.Holders > 1) pool.Holders--;
        foreach (var pool in _pools.Values)
        {
            foreach (var address in addresses.Where(a => pool.Held.TryGetValue(a, out var aux) && !aux))
                pool.Held.Remove(address);
        }
        network.Endpoints.Clear();
    }

    private void DeleteNetwork(string id)
    {
        if (!_networks.Remove(id, out var network)) return;
        var unheld = _pools
            .Where(p => p.Value.Holders == 0 && network.Subnets.Any(s => s.Subnet == p.Value.Subnet)).ToList();
        foreach (var (poolId, _) in unheld)
            DropIfUnused(poolId);
    }

    private void CreateEndpoint(JsonElement request)
    {
        var network = _networks[Text(request, "NetworkID")];
        var id = Text(request, "EndpointID");
        if (network.Endpoints.TryGetValue(id, out var known) && !known.Deleted) return;
        var face = request.GetProperty("Interface");
        var cidr = Text(face, "Address");
        var address = cidr.Length == 0 ? null : AddressOf(cidr);
        var mac = Text(face, "MacAddress");
        network.Endpoints[id] = new Endpoint
        {
            Address = address,
            Mac = mac.Length > 0 ? mac.ToLowerInvariant() : "02:6c:"
                + string.Join(":", IPAddress.Parse(address!).GetAddressBytes().Select(b => b.ToString("x2"))),
        };
    }

    private void DeleteEndpoint(string networkId, string id)
    {
        if (!_networks.TryGetValue(networkId, out var network) || !network.Endpoints.TryGetValue(id, out var endpoint))
            return;
        endpoint.Plugged = false;
        endpoint.Deleted = true;
        if (endpoint.Address is null) network.Endpoints.Remove(id);
    }

    private void DropIfUnused(string id)
    {
        var pool = _pools[id];
        if (pool.Holders == 0 && !pool.Held.Values.Any(aux => !aux) && !NeededByANetwork(pool)) _pools.Remove(id);
    }

    /// <summary>
    /// A network of the pool's subnet needs the pool for its gateway or an --aux-address that this pool holds and no
    /// other pool of the subnet does; or, when no pool holds any of them (they came from another IPAM), at all.
    /// </summary>
    private bool NeededByANetwork(Pool pool)
    {
        static bool Holds(Pool p, string address) => p.Gateways.Contains(address) || p.Held.ContainsKey(address);
        var others = SharingSubnet(pool.Subnet).Where(p => p != pool).ToList();
        bool Elsewhere(string address) => others.Any(p => Holds(p, address));
        foreach (var network in _networks.Values)
        {
            var subnet = network.Subnets.FirstOrDefault(s => s.Subnet == pool.Subnet);
            if (subnet.Subnet is null) continue;
            var names = network.Aux.Where(a => Contains(pool.Subnet, a)).ToList();
            if (subnet.Gateway is { } gateway) names.Add(AddressOf(gateway));
            var here = names.Where(a => Holds(pool, a)).ToList();
            if (here.Count == 0 ? !names.Any(Elsewhere) : here.Any(a => !Elsewhere(a))) return true;
        }
        return false;
    }

    private IEnumerable<Pool> SharingSubnet(string subnet) => _pools.Values.Where(p => p.Subnet == subnet);

    /// <summary>
    /// A restart: the start-up cross-check holds again every gateway, --aux-address and endpoint address a network
    /// records that no pool holds (a client released it, or created the endpoint with an address it never
    /// requested), in a pool of its subnet; a deleted endpoint whose address no pool holds is done with.
    /// Which pool holds it is the service's choice, so after a restart held addresses are compared per subnet.
    /// </summary>
    public void Restart()
    {
        foreach (var network in _networks.Values)
        {
            foreach (var (subnet, gateway) in network.Subnets.Where(s => s.Gateway is not null))
            {
                var address = AddressOf(gateway!);
                if (IsHeld(address)) continue;
                foreach (var pool in _pools.Values.Where(p => p.Subnet == subnet)) pool.Gateways.Add(address);
            }
            foreach (var aux in network.Aux) Hold(network, aux, aux: true);
            foreach (var (id, endpoint) in network.Endpoints.ToList())
            {
                if (endpoint.Address is not { } address || IsHeld(address)
                    || !_pools.Values.Any(p => Contains(p.Subnet, address)))
                {
                    continue;
                }
                if (endpoint.Deleted) network.Endpoints.Remove(id);
                else Hold(network, address, aux: false);
            }
        }
    }

    private bool IsHeld(string address) =>
        _pools.Values.Any(p => Contains(p.Subnet, address)
            && (p.Held.ContainsKey(address) || p.Gateways.Contains(address)));

    private void Hold(Network network, string address, bool aux)
    {
        if (IsHeld(address)) return;
        var pool = _pools.Values.FirstOrDefault(p => network.Subnets.Any(s => s.Subnet == p.Subnet)
            && Contains(p.Subnet, address));
        if (pool is not null) pool.Held[address] = aux;
    }

    private static bool Contains(string subnet, string address)
    {
        var (network, length) = (IPAddress.Parse(subnet.Split('/')[0]).GetAddressBytes(),
            int.Parse(subnet.Split('/')[1]));
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        if (bytes.Length != network.Length) return false;
        for (var bit = 0; bit < length; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((bytes[bit / 8] & mask) != (network[bit / 8] & mask)) return false;
        }
        return true;
    }

    /// <summary>The state as lines: networks, endpoints, pools, bridges, and what the kernel and the firewall should
    /// have.</summary>
    public IEnumerable<string> Describe(bool heldBySubnet = false)
    {
        foreach (var (id, n) in _networks)
        {
            yield return ObservedState.NetworkLine(id, n.Bridge, n.Vlan,
                n.Subnets.Select(s => s.Gateway is null ? s.Subnet : $"{s.Subnet} via {s.Gateway}"));
            foreach (var (eid, e) in n.Endpoints)
                yield return ObservedState.EndpointLine(id, eid, e.Address, e.Mac, e.Deleted, e.Plugged);
        }
        foreach (var (id, p) in _pools)
        {
            yield return ObservedState.PoolLine(id, p.Holders, p.Gateways, heldBySubnet ? []
                : p.Held.Select(h => (h.Key, h.Value)));
        }
        if (heldBySubnet)
        {
            foreach (var subnet in _pools.Values.GroupBy(p => p.Subnet))
            {
                yield return ObservedState.SubnetLine(subnet.Key,
                    subnet.SelectMany(p => p.Held.Select(h => (h.Key, h.Value))));
            }
        }
        foreach (var bridge in _networks.Values.GroupBy(n => n.Bridge))
        {
            yield return ObservedState.BridgeLine(bridge.Key, bridge.First().VlanLink);
            yield return ObservedState.KernelBridgeLine(bridge.Key, bridge.First().VlanLink,
                bridge.Sum(n => n.Endpoints.Values.Count(e => e.Plugged)));
            yield return ObservedState.FirewallLine(bridge.Key);
        }
    }

    private static string AddressOf(string cidr) => IPAddress.Parse(cidr.Split('/')[0]).ToString();

    private static string Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()! : "";
}
