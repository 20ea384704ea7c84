namespace L2Vlan.Tests.Protocol;

/// <summary>Docker's calls as bytes, taken from what Docker 20.10 really sent.</summary>
public class PluginDispatcherTests : DispatcherOverFakeKernel
{
    [Test]
    public void Activation_and_capabilities_take_an_empty_body()
    {
        Assert.That(Ok("/Plugin.Activate", "").GetProperty("Implements").EnumerateArray().Select(e => e.GetString()),
            Is.EqualTo(new[] { "NetworkDriver", "IpamDriver" }));
        var caps = Ok("/NetworkDriver.GetCapabilities", "");
        Assert.That(caps.GetProperty("Scope").GetString(), Is.EqualTo("local"));
        Assert.That(caps.GetProperty("ConnectivityScope").GetString(), Is.EqualTo("global"));
        Assert.That(Ok("/IpamDriver.GetCapabilities", "").GetProperty("RequiresMACAddress").GetBoolean(), Is.False);
        Assert.That(Ok("/IpamDriver.GetDefaultAddressSpaces", "").GetProperty("LocalDefaultAddressSpace").GetString(),
            Is.EqualTo("l2vlan"));
    }

    [Test]
    public void The_example_network_as_docker_sends_it()
    {
        var pool = Ok("/IpamDriver.RequestPool", """
            {"AddressSpace": "l2vlan", "Pool": "192.168.1.0/24", "SubPool": "192.168.1.4/32", "Options": null,
             "V6": false}
            """ + "\n");
        var poolId = pool.GetProperty("PoolID").GetString();
        Assert.That(pool.GetProperty("Pool").GetString(), Is.EqualTo("192.168.1.0/24"));
        var gateway = Ok("/IpamDriver.RequestAddress", $$$"""
            {"PoolID": "{{{poolId}}}", "Address": "192.168.1.1",
             "Options": {"RequestAddressType": "com.docker.network.gateway"}}
            """);
        Assert.That(gateway.GetProperty("Address").GetString(), Is.EqualTo("192.168.1.1/24"));
        Ok("/NetworkDriver.CreateNetwork", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "Options": {"com.docker.network.enable_ipv6": false,
              "com.docker.network.generic": {"bridge_name": "vlan2000", "ext_if": "eno1", "vlan_id": "2000"},
              "com.docker.network.internal": false},
             "IPv4Data": [{"AddressSpace": "l2vlan", "Gateway": "192.168.1.1/24", "Pool": "192.168.1.0/24"}],
             "IPv6Data": []}
            """);
        Assert.That(Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID": "{{{poolId}}}", "Address": "", "Options": null}""")
            .GetProperty("Address").GetString(), Is.EqualTo("192.168.1.4/24"));
        var endpoint = Ok("/NetworkDriver.CreateEndpoint", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62",
             "Interface": {"Address": "192.168.1.4/24", "AddressIPv6": "", "MacAddress": ""},
             "Options": {"com.docker.network.endpoint.exposedports": [], "com.docker.network.portmap": []}}
            """);
        Assert.That(endpoint.GetProperty("Interface").GetProperty("MacAddress").GetString(),
            Is.EqualTo("02:6c:c0:a8:01:04"));
        var join = Ok("/NetworkDriver.Join", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62",
             "SandboxKey": "/var/run/docker/netns/67ff58ce7a72",
             "Options": {"com.docker.network.endpoint.exposedports": [], "com.docker.network.portmap": []}}
            """);
        Assert.That(join.GetProperty("Gateway").GetString(), Is.EqualTo("192.168.1.1"));
        Assert.That(join.GetProperty("InterfaceName").GetProperty("SrcName").GetString(), Does.StartWith("l2c"));
        Assert.That(join.TryGetProperty("GatewayIPv6", out _), Is.False, "absent fields are left out, not null");
        Ok("/NetworkDriver.ProgramExternalConnectivity", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62", "Options": {}}
            """);
        Ok("/NetworkDriver.RevokeExternalConnectivity", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62"}
            """);
        Ok("/NetworkDriver.Leave", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62"}
            """);
        Ok("/NetworkDriver.DeleteEndpoint", """
            {"NetworkID": "zbup5992ml64i75r7mzhxdfnp",
             "EndpointID": "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62"}
            """);
        Ok("/IpamDriver.ReleaseAddress", $$$"""{"PoolID": "{{{poolId}}}", "Address": "192.168.1.4"}""");
        Ok("/IpamDriver.ReleaseAddress", $$$"""{"PoolID": "{{{poolId}}}", "Address": "192.168.1.1"}""");
        Ok("/IpamDriver.ReleasePool", $$$"""{"PoolID": "{{{poolId}}}"}""");
        Ok("/NetworkDriver.DeleteNetwork", """{"NetworkID": "zbup5992ml64i75r7mzhxdfnp"}""");
        Assert.That(State.Files("pools").Concat(State.Files("networks")).Concat(State.Files("bridges")), Is.Empty);
        Assert.That(State.Links.FindLink("vlan2000"), Is.Null);
    }

    private const string SwarmNet = "zbup5992ml64i75r7mzhxdfnp";
    private const string OldEndpoint = "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62";
    private const string NewEndpoint = "9d2e3451a2ca84768c666fa249a6e96480f5cd2035ab45e4bc396b88614c5c16";

    /// <summary>What a (re)started dockerd sends for the README's swarm network: pool, gateway, network. Returns the
    /// pool ID.</summary>
    private string CreateSwarmNetwork()
    {
        var poolId = Ok("/IpamDriver.RequestPool", """
                {"AddressSpace": "l2vlan", "Pool": "192.168.1.0/24", "SubPool": "192.168.1.4/32", "Options": null,
                 "V6": false}
                """)
            .GetProperty("PoolID").GetString()!;
        Ok("/IpamDriver.RequestAddress", $$$"""
            {"PoolID": "{{{poolId}}}", "Address": "192.168.1.1",
             "Options": {"RequestAddressType": "com.docker.network.gateway"}}
            """);
        Ok("/NetworkDriver.CreateNetwork", $$$"""
            {"NetworkID": "{{{SwarmNet}}}",
             "Options": {"com.docker.network.enable_ipv6": false,
              "com.docker.network.generic": {"bridge_name": "vlan2000", "ext_if": "eno1", "vlan_id": "2000"},
              "com.docker.network.internal": false},
             "IPv4Data": [{"AddressSpace": "l2vlan", "Gateway": "192.168.1.1/24", "Pool": "192.168.1.0/24"}],
             "IPv6Data": []}
            """);
        return poolId;
    }

    /// <summary>A task's container: its address (the one of the /32 range), its endpoint, its join. Returns the
    /// address.</summary>
    private string StartTask(string poolId, string endpointId)
    {
        var (status, reply) = Call("/IpamDriver.RequestAddress",
            $$$"""{"PoolID": "{{{poolId}}}", "Address": "", "Options": null}""");
        Assert.That(status, Is.EqualTo(200), $"the task's fixed address is not free again: {reply}");
        var address = reply.GetProperty("Address").GetString()!;
        Ok("/NetworkDriver.CreateEndpoint", $$$"""
            {"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{endpointId}}}",
             "Interface": {"Address": "{{{address}}}", "AddressIPv6": "", "MacAddress": ""}, "Options": {}}
            """);
        Ok("/NetworkDriver.Join", $$$"""
            {"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{endpointId}}}",
             "SandboxKey": "/var/run/docker/netns/67ff58ce7a72", "Options": {}}
            """);
        return address;
    }

    private string[] VethsOnTheBridge()
    {
        var bridge = State.Links.FindLink("vlan2000")!.Index;
        return State.Links.ListLinks().Where(l => l.MasterIndex == bridge && l.Kind == "veth").Select(l => l.Name)
            .ToArray();
    }

    [Test]
    public void A_dockerd_killed_with_a_task_running_leaves_its_fixed_address_to_the_next_one()
    {
        StartTask(CreateSwarmNetwork(), OldEndpoint);
        var oldVeth = VethsOnTheBridge().Single();

        // dockerd dies: no Leave, DeleteEndpoint, ReleaseAddress nor DeleteNetwork. The new one replays the network.
        var poolId = CreateSwarmNetwork();

        Assert.That(State.Links.FindLink(oldVeth), Is.Null, "the dead container's veth is gone");
        Assert.That(StartTask(poolId, NewEndpoint), Is.EqualTo("192.168.1.4/24"));
        Assert.That(State.Driver.Networks.Single().Endpoints.Keys, Is.EqualTo(new[] { NewEndpoint }));
    }

    [Test]
    public void A_dockerd_cut_off_between_DeleteEndpoint_and_ReleaseAddress_leaves_nothing_taken()
    {
        StartTask(CreateSwarmNetwork(), OldEndpoint);
        Ok("/NetworkDriver.Leave", $$$"""{"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{OldEndpoint}}}"}""");
        Ok("/NetworkDriver.DeleteEndpoint",
            $$$"""{"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{OldEndpoint}}}"}""");

        var poolId = CreateSwarmNetwork();

        Assert.That(StartTask(poolId, NewEndpoint), Is.EqualTo("192.168.1.4/24"));
        Assert.That(VethsOnTheBridge(), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_deleted_endpoint_is_forgotten_once_docker_releases_its_address()
    {
        var poolId = CreateSwarmNetwork();
        StartTask(poolId, OldEndpoint);
        Ok("/NetworkDriver.DeleteEndpoint",
            $$$"""{"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{OldEndpoint}}}"}""");
        Assert.That(State.Driver.Networks.Single().Endpoints[OldEndpoint].Deleted, Is.True);
        Assert.That(State.Networks.LoadAll().Single().Value.Endpoints[OldEndpoint].Deleted, Is.True,
            "kept on disk too");
        var (status, _) = Call("/NetworkDriver.Join", $$$"""
            {"NetworkID": "{{{SwarmNet}}}", "EndpointID": "{{{OldEndpoint}}}", "SandboxKey": "/x", "Options": {}}
            """);
        Assert.That(status, Is.EqualTo(500), "a deleted endpoint cannot be joined");

        Ok("/IpamDriver.ReleaseAddress", $$$"""{"PoolID": "{{{poolId}}}", "Address": "192.168.1.4"}""");

        Assert.That(State.Driver.Networks.Single().Endpoints, Is.Empty);
        Assert.That(State.Networks.LoadAll().Single().Value.Endpoints, Is.Empty);
    }

    [Test]
    public void A_replay_after_a_clean_stop_keeps_aux_addresses_and_the_gateway()
    {
        var poolId = CreateSwarmNetwork();
        Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID": "{{{poolId}}}", "Address": "192.168.1.200", "Options": null}""");
        State.Ipam.MarkAuxiliary(System.Net.IPAddress.Parse("192.168.1.200"));
        StartTask(poolId, OldEndpoint);

        CreateSwarmNetwork();

        var pool = State.Ipam.Pools.Single();
        Assert.That(pool.Gateway, Is.EqualTo("192.168.1.1"));
        Assert.That(pool.Allocations.Select(a => a.Address), Is.EqualTo(new[] { "192.168.1.200" }),
            "only the dead task's address was reclaimed");
    }

    [Test]
    public void A_refused_request_answers_500_with_Err_for_the_docker_cli()
    {
        var (status, body) = Call("/IpamDriver.RequestPool", """{"AddressSpace": "l2vlan", "Pool": "", "V6": false}""");
        Assert.That(status, Is.EqualTo(500));
        Assert.That(body.GetProperty("Err").GetString(), Does.Contain("--subnet"));
    }

    [Test]
    public void Unreadable_json_is_an_error_not_a_crash()
    {
        var (status, body) = Call("/NetworkDriver.CreateNetwork", "{\"NetworkID\": ");
        Assert.That(status, Is.EqualTo(500));
        Assert.That(body.GetProperty("Err").GetString(), Does.Contain("could not read"));
    }

    [Test]
    public void Unknown_methods_answer_404()
    {
        var (status, body) = Call("/NetworkDriver.Teleport", "{}");
        Assert.That(status, Is.EqualTo(404));
        Assert.That(body.GetProperty("Err").GetString(), Does.Contain("Teleport"));
    }

    [Test]
    public void Every_endpoint_of_the_protocol_is_served()
    {
        string[] protocol =
        [
            "/Plugin.Activate", "/NetworkDriver.GetCapabilities", "/NetworkDriver.CreateNetwork",
                "/NetworkDriver.DeleteNetwork",
            "/NetworkDriver.CreateEndpoint", "/NetworkDriver.EndpointOperInfo", "/NetworkDriver.DeleteEndpoint",
                "/NetworkDriver.Join",
            "/NetworkDriver.Leave", "/NetworkDriver.ProgramExternalConnectivity",
                "/NetworkDriver.RevokeExternalConnectivity",
            "/NetworkDriver.DiscoverNew", "/NetworkDriver.DiscoverDelete", "/NetworkDriver.AllocateNetwork",
                "/NetworkDriver.FreeNetwork",
            "/IpamDriver.GetCapabilities", "/IpamDriver.GetDefaultAddressSpaces", "/IpamDriver.RequestPool",
                "/IpamDriver.ReleasePool",
            "/IpamDriver.RequestAddress", "/IpamDriver.ReleaseAddress",
        ];
        Assert.That(Dispatcher.Paths, Is.EquivalentTo(protocol));
        var discovered = Ok("/NetworkDriver.DiscoverNew", """
            {"DiscoveryType":1,"DiscoveryData":{"Address":"10.0.0.5","BindAddress":"","Self":false}}
            """);
        Assert.That(discovered.EnumerateObject(), Is.Empty);
        var allocated = Ok("/NetworkDriver.AllocateNetwork",
            """{"NetworkID":"x","Options":{"k":"v"},"IPv4Data":[],"IPv6Data":null}""");
        Assert.That(allocated.GetProperty("Options").GetProperty("k").GetString(), Is.EqualTo("v"));
    }
}
