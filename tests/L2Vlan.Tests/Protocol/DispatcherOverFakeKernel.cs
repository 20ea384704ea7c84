using System.Text;
using System.Text.Json;
using L2Vlan.Metrics;
using L2Vlan.Protocol;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Protocol;

/// <summary>Tests that speak Docker's bytes to the dispatcher, over a fake kernel with the NIC eno1 and a throw-away
/// state folder.</summary>
public abstract class DispatcherOverFakeKernel
{
    private protected const string Net1 = "3f6b1a0c9d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
    private protected const string Net2 = "7c2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b";
    private protected const string Endpoint1 = "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62";
    private protected const string Endpoint2 = "9d2e3451a2ca84768c666fa249a6e96480f5cd2035ab45e4bc396b88614c5c16";

    /// <summary>
    /// A sandbox's options as Docker sends them with Join, and with ProgramExternalConnectivity (Docker 29: the
    /// Join's options again).
    /// </summary>
    private protected const string SandboxOptions = """
        {"com.docker.network.endpoint.exposedports":[{"Proto":6,"Port":80}],
        "com.docker.network.portmap":[{"Proto":6,"IP":"","Port":80,"HostIP":"","HostPort":8080,"HostPortEnd":8080}]}
        """;

    private protected TestState State { get; private set; } = null!;
    private protected PluginDispatcher Dispatcher { get; private set; } = null!;
    /// <summary>The dispatcher's call counters.</summary>
    private protected CallMetrics Calls { get; private set; } = null!;

    [SetUp]
    public void StartService()
    {
        State = TestState.WithNics("eno1");
        Dispatcher = NewDispatcher();
    }

    [TearDown]
    public void RemoveState() => State.Dispose();

    /// <summary>`systemctl restart l2vlan`: a new service over the same state folder and kernel.</summary>
    private protected void RestartService()
    {
        State.Restart();
        Dispatcher = NewDispatcher();
    }

    private PluginDispatcher NewDispatcher() =>
        new(State.Driver, State.Ipam, new RunningCalls(TimeProvider.System), NullLogger<PluginDispatcher>.Instance,
            Calls = new CallMetrics());

    private protected (int Status, JsonElement Body) Call(string path, string body)
    {
        var reply = Dispatcher.Handle(path, Encoding.UTF8.GetBytes(body));
        return (reply.Status, JsonDocument.Parse(reply.Body).RootElement.Clone());
    }

    private protected JsonElement Ok(string path, string body)
    {
        var (status, json) = Call(path, body);
        Assert.That(status, Is.EqualTo(200), json.ToString());
        return json;
    }

    /// <summary>
    /// A network of the quick start's shape (VLAN 2000 of eno1, bridge vlan2000, subnet 192.168.1.0/24, gateway
    /// 192.168.1.1) with the --ip-range RANGE: RequestPool, the gateway, CreateNetwork. Returns the pool ID.
    /// </summary>
    private protected string CreateNetwork(string networkId, string range)
    {
        var pool = Ok("/IpamDriver.RequestPool", $$$"""
                {"AddressSpace":"l2vlan","Pool":"192.168.1.0/24","SubPool":"{{{range}}}","Options":{},"V6":false}
                """)
            .GetProperty("PoolID").GetString()!;
        Ok("/IpamDriver.RequestAddress", $$$"""
            {"PoolID":"{{{pool}}}","Address":"192.168.1.1",
            "Options":{"RequestAddressType":"com.docker.network.gateway"}}
            """);
        Ok("/NetworkDriver.CreateNetwork", $$$"""
            {"NetworkID":"{{{networkId}}}","Options":{"com.docker.network.enable_ipv4":true,
            "com.docker.network.enable_ipv6":false,
            "com.docker.network.generic":{"bridge_name":"vlan2000","ext_if":"eno1","vlan_id":"2000"}},
            "IPv4Data":[{"AddressSpace":"l2vlan","Pool":"192.168.1.0/24","Gateway":"192.168.1.1/24","AuxAddresses":{}}],
            "IPv6Data":[]}
            """);
        return pool;
    }

    /// <summary>
    /// A container's endpoint as `docker run` or `docker network connect` makes it: its address, CreateEndpoint, Join.
    /// </summary>
    private protected void JoinContainer(string networkId, string pool, string endpointId)
    {
        var address = Ok("/IpamDriver.RequestAddress", $$$"""
                {"PoolID":"{{{pool}}}","Address":"","Options":{"com.docker.network.endpoint.name":"web"}}
                """)
            .GetProperty("Address").GetString();
        Ok("/NetworkDriver.CreateEndpoint", $$$"""
            {"NetworkID":"{{{networkId}}}","EndpointID":"{{{endpointId}}}",
            "Interface":{"Address":"{{{address}}}","AddressIPv6":"","MacAddress":""},"Options":{{{SandboxOptions}}}}
            """);
        Ok("/NetworkDriver.Join", $$$"""
            {"NetworkID":"{{{networkId}}}","EndpointID":"{{{endpointId}}}",
            "SandboxKey":"/var/run/docker/netns/67ff58ce7a72","Options":{{{SandboxOptions}}}}
            """);
    }

    /// <summary>What a call could change: the links (name, kind, master) and the state files' bytes.</summary>
    private protected (string Links, string Files) Observed()
    {
        var links = string.Join("\n", State.Links.ListLinks().Select(l => $"{l.Name} {l.Kind} {l.MasterIndex}")
            .Order());
        var files = string.Join("\n", new[] { "pools", "networks", "bridges" }
            .Where(f => Directory.Exists(Path.Combine(State.Directory, f)))
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(State.Directory, f)))
            .Order()
            .Select(p => p + "\n" + File.ReadAllText(p)));
        return (links, files);
    }
}
