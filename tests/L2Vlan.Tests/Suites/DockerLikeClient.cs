using System.Text.Json;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// One client of the fuzz suite's modelled phase: Docker's own sequences (RequestPool, the gateway, the
/// --aux-address, CreateNetwork; RequestAddress, CreateEndpoint, Join; Leave, DeleteEndpoint, ReleaseAddress;
/// the network's releases and DeleteNetwork, in either order Docker uses) so that networks and containers pile
/// up, interleaved with single requests of random values. Every value is in the client's own key space
/// (network and endpoint IDs, subnets, VLANs and bridges no other client names), so the order of its own
/// accepted requests decides its part of the state, whatever the other clients do meanwhile.
/// </summary>
internal sealed class DockerLikeClient(int client, Random random, Func<string, string,
    Task<(int Status, string Text)>> send)
{
    private sealed record Net(string Id, string PoolId, string? Gateway, string? Aux, object Create,
        Dictionary<string, string> Containers);

    /// <summary>The options of a RequestAddress that asks for the network's gateway.</summary>
    private static readonly Dictionary<string, string> GatewayRequest =
        new() { ["RequestAddressType"] = "com.docker.network.gateway" };

    private readonly List<Net> _networks = [];
    private readonly string[] _networkIds = Enumerable.Range(0, 8).Select(k => $"c{client}n{k}").ToArray();
    private readonly string[] _endpointIds = Enumerable.Range(0, 24).Select(k => $"c{client}e{k}").ToArray();
    private readonly string[] _subnets = [$"172.20.{client}.0/24", $"172.21.{client}.0/28"];
    private string[] Ranges(string subnet) => subnet.StartsWith("172.20.", StringComparison.Ordinal)
        ? ["", $"172.20.{client}.16/29", $"172.20.{client}.40/32", $"172.20.{client}.41/32", $"172.20.{client}.64/26"]
        : ["", $"172.21.{client}.8/30"];

    /// <summary>Whether a state file's name (a network ID, bridge name or pool ID with '_' for '/') is of this client's
    /// key space.</summary>
    public bool Owns(string fileKey) =>
        fileKey.StartsWith($"c{client}n", StringComparison.Ordinal)
            || fileKey.StartsWith($"c{client}b", StringComparison.Ordinal)
        || _subnets.Any(s => fileKey.StartsWith(s.Replace('/', '_'), StringComparison.Ordinal))
        || Enumerable.Range(0, 3).Any(k => fileKey == $"vlan{Vlan(k)}");

    private int Vlan(int k) => 3000 + client * 3 + k;

    /// <summary>One script, or one random request: a quarter of the steps are random.</summary>
    public async Task Step()
    {
        if (random.Next(4) == 0)
        {
            await RandomRequest();
            return;
        }
        var containers = _networks.Sum(n => n.Containers.Count);
        if (_networks.Count < 2 || (_networks.Count < _networkIds.Length && random.Next(8) == 0)) await CreateNetwork();
        else if (containers > 0 && random.Next(40) == 0) await DeleteNetwork(_networks[random.Next(_networks.Count)]);
        else if (containers < 16 && random.Next(3) != 0) await RunContainer(_networks[random.Next(_networks.Count)]);
        else if (containers > 0) await StopContainer(Pick(_networks.Where(n => n.Containers.Count > 0).ToArray()));
    }

    private async Task CreateNetwork()
    {
        var id = Pick(_networkIds.Except(_networks.Select(n => n.Id)).ToArray());
        var subnet = Pick(_subnets);
        var prefix = subnet.Split('/')[1];
        var range = Pick(Ranges(subnet));
        var pool = await Send("/IpamDriver.RequestPool",
            new { AddressSpace = "l2vlan", Pool = subnet, SubPool = range, Options = new { }, V6 = false });
        if (pool is null) return;
        var poolId = pool.Value.GetProperty("PoolID").GetString()!;
        var wantedGateway = random.Next(3) == 0 ? "" : Host(subnet, random.Next(2) == 0 ? 1 : 14);
        var gateway = await Send("/IpamDriver.RequestAddress",
            new { PoolID = poolId, Address = wantedGateway, Options = GatewayRequest });
        string? aux = null;
        if (random.Next(4) == 0
            && await Send("/IpamDriver.RequestAddress",
                new { PoolID = poolId, Address = Host(subnet, 2 + random.Next(3)), Options = new { } }) is { } a)
        {
            aux = a.GetProperty("Address").GetString()!.Split('/')[0];
        }
        var vlan = Vlan(random.Next(3));
        var generic = new Dictionary<string, string>();
        if (random.Next(4) == 0) generic["parent"] = $"eno1.{vlan}";
        else (generic["vlan_id"], generic["ext_if"]) = (vlan.ToString(), random.Next(5) == 0 ? "eth1" : "eno1");
        if (random.Next(3) == 0) generic["bridge_name"] = $"c{client}b{vlan % 3}";
        var data = new Dictionary<string, object> { ["AddressSpace"] = "l2vlan", ["Pool"] = subnet };
        var gatewayAddress = gateway?.GetProperty("Address").GetString();
        if (gatewayAddress is not null) data["Gateway"] = gatewayAddress;
        if (aux is not null) data["AuxAddresses"] = new Dictionary<string, string> { ["router2"] = $"{aux}/{prefix}" };
        var create = new
        {
            NetworkID = id,
            Options = new Dictionary<string, object>
            {
                ["com.docker.network.enable_ipv6"] = false,
                ["com.docker.network.generic"] = generic,
                ["com.docker.network.internal"] = random.Next(5) == 0,
            },
            IPv4Data = new[] { data },
            IPv6Data = Array.Empty<object>(),
        };
        if (await Send("/NetworkDriver.CreateNetwork", create) is not null)
        {
            _networks.Add(new Net(id, poolId, gatewayAddress, aux, create, []));
            return;
        }
        // Docker rolls a failed create back.
        if (aux is not null) await Send("/IpamDriver.ReleaseAddress", new { PoolID = poolId, Address = aux });
        if (gatewayAddress is not null)
            await Send("/IpamDriver.ReleaseAddress", new { PoolID = poolId, Address = gatewayAddress.Split('/')[0] });
        await Send("/IpamDriver.ReleasePool", new { PoolID = poolId });
    }

    private async Task DeleteNetwork(Net network)
    {
        foreach (var endpoint in network.Containers.Keys.ToList()) await StopContainer(network, endpoint);
        _networks.Remove(network);
        // Docker 20.10 releases the pool before it deletes the network; later ones delete first.
        var releaseFirst = random.Next(2) == 0;
        if (!releaseFirst) await Send("/NetworkDriver.DeleteNetwork", new { NetworkID = network.Id });
        if (network.Aux is not null)
            await Send("/IpamDriver.ReleaseAddress", new { PoolID = network.PoolId, Address = network.Aux });
        if (network.Gateway is not null)
        {
            await Send("/IpamDriver.ReleaseAddress",
                new { PoolID = network.PoolId, Address = network.Gateway.Split('/')[0] });
        }
        await Send("/IpamDriver.ReleasePool", new { PoolID = network.PoolId });
        if (releaseFirst) await Send("/NetworkDriver.DeleteNetwork", new { NetworkID = network.Id });
    }

    private async Task RunContainer(Net network)
    {
        var endpoint = Pick(_endpointIds.Except(_networks.SelectMany(n => n.Containers.Keys)).ToArray());
        var fixedAddress = random.Next(4) == 0 ? Host(network.PoolId.Split('@')[0], 3 + random.Next(60)) : "";
        if (await Send("/IpamDriver.RequestAddress",
            new { PoolID = network.PoolId, Address = fixedAddress, Options = new { } }) is not { } reply)
        {
            return;
        }
        var address = reply.GetProperty("Address").GetString()!;
        var mac = random.Next(6) == 0 ? $"02:42:ac:14:{client:x2}:{random.Next(256):x2}" : "";
        if (await CreateEndpoint(network.Id, endpoint, address, mac) is null
            || await Join(network.Id, endpoint, $"/var/run/docker/netns/{endpoint}") is null)
        {
            await Send("/NetworkDriver.DeleteEndpoint", new { NetworkID = network.Id, EndpointID = endpoint });
            await Send("/IpamDriver.ReleaseAddress", new { PoolID = network.PoolId, Address = address.Split('/')[0] });
            return;
        }
        network.Containers[endpoint] = address.Split('/')[0];
    }

    private Task StopContainer(Net network) =>
        StopContainer(network, network.Containers.Keys.ElementAt(random.Next(network.Containers.Count)));

    private async Task StopContainer(Net network, string endpoint)
    {
        await Send("/NetworkDriver.Leave", new { NetworkID = network.Id, EndpointID = endpoint });
        await Send("/NetworkDriver.DeleteEndpoint", new { NetworkID = network.Id, EndpointID = endpoint });
        await Send("/IpamDriver.ReleaseAddress",
            new { PoolID = network.PoolId, Address = network.Containers[endpoint] });
        network.Containers.Remove(endpoint);
    }

    /// <summary>One request of any kind, with values of this client's key space or plainly wrong ones; well-formed
    /// JSON.</summary>
    private async Task RandomRequest()
    {
        var subnet = Pick([.. _subnets, $"172.20.{client}.5/24", "x", ""]);
        var poolId = Pick([.. _networks.Select(n => n.PoolId), .. _subnets, $"{_subnets[0]}@172.20.{client}.16/29",
            "nope"]);
        var address = Pick(["", $"172.20.{client}.{random.Next(256)}", $"172.21.{client}.{random.Next(16)}", "10.9.9.9",
            "z"]);
        var network = Pick([.. _networkIds, ""]);
        var endpoint = Pick([.. _endpointIds, ""]);
        switch (random.Next(10))
        {
            case 0:
                await Send("/IpamDriver.RequestPool", new
                {
                    AddressSpace = "l2vlan",
                    Pool = subnet,
                    SubPool = Pick(Ranges(_subnets[0])),
                    Options = new { },
                    V6 = random.Next(8) == 0,
                });
                break;
            case 1: await Send("/IpamDriver.ReleasePool", new { PoolID = poolId }); break;
            case 2:
                await Send("/IpamDriver.RequestAddress",
                    new { PoolID = poolId, Address = address, Options = random.Next(4) == 0 ? GatewayRequest : [] });
                break;
            case 3: await Send("/IpamDriver.ReleaseAddress", new { PoolID = poolId, Address = address }); break;
            case 4: await Send("/NetworkDriver.DeleteNetwork", new { NetworkID = network }); break;
            case 5: await CreateEndpoint(network, endpoint, address.Length == 0 ? "" : address + "/24", ""); break;
            case 6:
                await Send("/NetworkDriver.DeleteEndpoint", new { NetworkID = network, EndpointID = endpoint });
                break;
            case 7: await Join(network, endpoint, "/var/run/docker/netns/x"); break;
            case 8: await Send("/NetworkDriver.Leave", new { NetworkID = network, EndpointID = endpoint }); break;
            default: await CreateNetworkAgain(); break;
        }
    }

    /// <summary>
    /// A network created again, as the next dockerd does after one died: the pool and gateway requested again, the
    /// same CreateNetwork; the service drops the endpoints of the dead dockerd, so the script forgets its containers.
    /// </summary>
    private async Task CreateNetworkAgain()
    {
        if (_networks.Count == 0) return;
        var network = Pick(_networks.ToArray());
        var (subnet, range) = (network.PoolId.Split('@')[0], network.PoolId.Contains('@') ? network.PoolId.Split('@')[1]
            : "");
        await Send("/IpamDriver.RequestPool",
            new { AddressSpace = "l2vlan", Pool = subnet, SubPool = range, Options = new { }, V6 = false });
        if (network.Gateway is not null)
        {
            await Send("/IpamDriver.RequestAddress",
                new { PoolID = network.PoolId, Address = network.Gateway.Split('/')[0], Options = GatewayRequest });
        }
        if (network.Aux is not null)
        {
            await Send("/IpamDriver.RequestAddress",
                new { PoolID = network.PoolId, Address = network.Aux, Options = new { } });
        }
        if (await Send("/NetworkDriver.CreateNetwork", network.Create) is not null) network.Containers.Clear();
    }

    private Task<JsonElement?> CreateEndpoint(string network, string endpoint, string address, string mac) =>
        Send("/NetworkDriver.CreateEndpoint", new
        {
            NetworkID = network,
            EndpointID = endpoint,
            Interface = new { Address = address, AddressIPv6 = "", MacAddress = mac },
            Options = new { },
        });

    private Task<JsonElement?> Join(string network, string endpoint, string sandboxKey) =>
        Send("/NetworkDriver.Join",
            new { NetworkID = network, EndpointID = endpoint, SandboxKey = sandboxKey, Options = new { } });

    /// <summary>Sends one request; the reply's body when it was accepted, otherwise null.</summary>
    private async Task<JsonElement?> Send(string path, object body)
    {
        var (status, text) = await send(path, JsonSerializer.Serialize(body));
        return status == 200 ? JsonDocument.Parse(text).RootElement : null;
    }

    private static string Host(string subnet, int n)
    {
        var bytes = System.Net.IPAddress.Parse(subnet.Split('/')[0]).GetAddressBytes();
        bytes[3] = (byte)(bytes[3] + n);
        return new System.Net.IPAddress(bytes).ToString();
    }

    private T Pick<T>(T[] values) => values[random.Next(values.Length)];
}
