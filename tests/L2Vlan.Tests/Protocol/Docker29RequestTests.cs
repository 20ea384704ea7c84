namespace L2Vlan.Tests.Protocol;

/// <summary>
/// What Docker 29 sends a remote driver and IPAM that earlier engines did not, as bytes built the way its code
/// builds them (moby tag docker-v29.7.2: daemon/libnetwork/drivers/remote/driver.go, ipams/remote/remote.go,
/// network.go, endpoint.go). Docker 29 is not in Debian, so these shapes are read, not recorded; docs/engines.md
/// says where each comes from.
/// </summary>
public class Docker29RequestTests : DispatcherOverFakeKernel
{
    private const string Net1 = "3f6b1a0c9d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
    private const string Net2 = "7c2d4e6f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b";
    private const string Endpoint1 = "0474660acf3a9b54f0b6ae56b477ba6cb5c00945dd9203247b78ba0e99d25c62";
    private const string Endpoint2 = "9d2e3451a2ca84768c666fa249a6e96480f5cd2035ab45e4bc396b88614c5c16";

    /// <summary>The sandbox's options, which Docker 29 sends with Join and again with
    /// ProgramExternalConnectivity.</summary>
    private const string SandboxOptions =
        """{"com.docker.network.endpoint.exposedports":[{"Proto":6,"Port":80}],"com.docker.network.portmap":[{"Proto":6,"IP":"","Port":80,"HostIP":"","HostPort":8080,"HostPortEnd":8080}]}""";

    private string Refused(string path, string body)
    {
        var (status, json) = Call(path, body);
        Assert.That(status, Is.EqualTo(500), json.ToString());
        return json.GetProperty("Err").GetString()!;
    }

    /// <summary>
    /// `docker network create --ipam-driver l2vlan --subnet 0.0.0.0/24`: since 29.0 a prefix size only (moby#50114,
    /// commit ea0d934ff2), which daemon/libnetwork/network.go ipamAllocateVersion passes on as Pool, and
    /// ipams/remote/remote.go RequestPool sends as it is. l2vlan does not choose a subnet for an external VLAN.
    /// </summary>
    [Test]
    public void A_prefix_size_in_place_of_a_subnet_is_refused_naming_subnet_and_nothing_is_stored()
    {
        var v4 = Refused("/IpamDriver.RequestPool", """{"AddressSpace":"l2vlan","Pool":"0.0.0.0/24","SubPool":"","Options":{},"V6":false}""");
        Assert.That(v4,
            Does.StartWith("--subnet 0.0.0.0/24 asks for any free /24 subnet").And.Contain(
                "e.g. --subnet 192.168.1.0/24"));

        var v6 = Refused("/IpamDriver.RequestPool", """{"AddressSpace":"l2vlan","Pool":"::/96","SubPool":"","Options":{},"V6":true}""");
        Assert.That(v6, Does.StartWith("--subnet ::/96 asks for any free /96 subnet").And.Contain("e.g. --subnet " +
            "2001:db8:1::/64"));

        Assert.That(State.Ipam.Pools, Is.Empty);
        Assert.That(State.Files("pools"), Is.Empty);
    }

    /// <summary>Since 29.0 an endpoint's RequestAddress names the endpoint (moby#50586,
    /// daemon/libnetwork/network.go).</summary>
    [Test]
    public void An_address_request_that_names_its_endpoint_gets_a_container_address_not_the_gateway()
    {
        var pool = CreateNetwork(Net1, "192.168.1.4/31");
        var address = Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":{"com.docker.network.endpoint.name":"web1"}}""");
        Assert.That(address.GetProperty("Address").GetString(), Is.EqualTo("192.168.1.4/24"));
        Assert.That(State.Ipam.Pools.Single().Gateway, Is.EqualTo("192.168.1.1"));
    }

    /// <summary>
    /// `docker network connect --driver-opt com.docker.network.endpoint.ifname=lan0`: the option rides in
    /// CreateEndpoint's
    /// Options (daemon/network.go, EndpointOptionGeneric), but Docker names a plugin's interface from DstPrefix only
    /// (drivers/remote/driver.go Join). Refused, so that the container does not get eth1 where lan0 was asked for.
    /// </summary>
    [Test]
    public void An_interface_name_for_the_container_is_refused_naming_the_option_and_no_endpoint_is_recorded()
    {
        var pool = CreateNetwork(Net1, "192.168.1.4/31");
        Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":{"com.docker.network.endpoint.name":"web1"}}""");

        var error = Refused("/NetworkDriver.CreateEndpoint",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}","Interface":{"Address":"192.168.1.4/24","AddressIPv6":"","MacAddress":""},"Options":{"com.docker.network.endpoint.exposedports":[],"com.docker.network.endpoint.ifname":"lan0","com.docker.network.portmap":[]}}""");

        Assert.That(error,
            Does.StartWith("driver-opt com.docker.network.endpoint.ifname=lan0 cannot be honoured").And.Contain(
                "leave the option out"));
        Assert.That(State.Driver.Networks.Single().Endpoints, Is.Empty);
        Assert.That(State.Links.ListLinks().Where(l => l.Kind == "veth"), Is.Empty);
    }

    [Test]
    public void An_empty_interface_name_asks_for_nothing_and_the_endpoint_is_made()
    {
        var pool = CreateNetwork(Net1, "192.168.1.4/31");
        Ok("/IpamDriver.RequestAddress", $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":null}""");
        Ok("/NetworkDriver.CreateEndpoint",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}","Interface":{"Address":"192.168.1.4/24","AddressIPv6":"","MacAddress":""},"Options":{"com.docker.network.endpoint.ifname":""}}""");
        Assert.That(State.Driver.Networks.Single().Endpoints.Keys, Is.EqualTo(new[] { Endpoint1 }));
    }

    /// <summary>
    /// Docker 29 programs a gateway only when a container's gateway moves (moby#50283, #50321): the endpoint that
    /// stops being the gateway gets RevokeExternalConnectivity, the new one ProgramExternalConnectivity with its
    /// Join's options (plus no_proxy_6to4 when another endpoint is the IPv6 gateway); a rollback sends them again.
    /// The gateway is the router's and the container's default route is Docker's to set, so each is a no-op that
    /// must change nothing and answer the same every time: also for an endpoint l2vlan knows only from its state
    /// files (l2vlan restarted since the Join, as under live-restore) and for one it does not know at all.
    /// </summary>
    [Test]
    public void Gateway_moves_change_no_link_and_noState_file_however_often_they_come_and_across_a_restart()
    {
        Join(Net1, CreateNetwork(Net1, "192.168.1.4/32"), Endpoint1);
        Join(Net2, CreateNetwork(Net2, "192.168.1.6/32"), Endpoint2);
        var before = Observed();

        // docker network connect net2 c1, net2 taking over as the gateway; then its rollback, then the same again.
        for (var i = 0; i < 2; i++)
        {
            Assert.That(Ok("/NetworkDriver.RevokeExternalConnectivity",
                $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}"}""").EnumerateObject(), Is.Empty);
            Assert.That(Ok("/NetworkDriver.ProgramExternalConnectivity",
                $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}","Options":{{{SandboxOptions}}}}""")
                    .EnumerateObject(), Is.Empty);
            Ok("/NetworkDriver.ProgramExternalConnectivity",
                $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}","Options":{{{SandboxOptions}}}}""");
            Ok("/NetworkDriver.RevokeExternalConnectivity",
                $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}"}""");
        }
        Assert.That(Observed(), Is.EqualTo(before));

        RestartService();
        var afterRestart = Observed();
        var withNoProxy = SandboxOptions.TrimEnd('}') + ""","com.docker.network.driver.private.no_proxy_6to4":true}""";
        Ok("/NetworkDriver.ProgramExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}","Options":{{{withNoProxy}}}}""");
        Ok("/NetworkDriver.ProgramExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}","Options":{{{withNoProxy}}}}""");
        Ok("/NetworkDriver.RevokeExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}"}""");
        Ok("/NetworkDriver.RevokeExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}"}""");
        Ok("/NetworkDriver.ProgramExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint2}}}","Options":{}}""");
        Ok("/NetworkDriver.RevokeExternalConnectivity",
            $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint1}}}"}""");
        Assert.That(Observed(), Is.EqualTo(afterRestart));
        Assert.That(afterRestart.Links, Is.EqualTo(before.Links), "the restart itself left the links as they were");

        // The container then leaves net2 as Docker 29 does it: revoke (if it was the gateway), Leave, DeleteEndpoint.
        Ok("/NetworkDriver.Leave", $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}"}""");
        Ok("/NetworkDriver.DeleteEndpoint", $$$"""{"NetworkID":"{{{Net2}}}","EndpointID":"{{{Endpoint2}}}"}""");
        State.WaitForDeletes();
        var info = Ok("/NetworkDriver.EndpointOperInfo",
            $$$"""{"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}"}""").GetProperty("Value");
        Assert.That(State.Links.FindLink(info.GetProperty("host_veth").GetString()!), Is.Not.Null,
            "the other network's container keeps its veth");
    }

    /// <summary>A network of the quick start's shape: RequestPool, the gateway, CreateNetwork. Returns the pool
    /// ID.</summary>
    private string CreateNetwork(string networkId, string range)
    {
        var pool = Ok("/IpamDriver.RequestPool",
            $$$"""{"AddressSpace":"l2vlan","Pool":"192.168.1.0/24","SubPool":"{{{range}}}","Options":{},"V6":false}""")
            .GetProperty("PoolID").GetString()!;
        Ok("/IpamDriver.RequestAddress", $$$"""{"PoolID":"{{{pool}}}","Address":"192.168.1.1","Options":{"RequestAddressType":"com.docker.network.gateway"}}""");
        Ok("/NetworkDriver.CreateNetwork",
            $$$"""{"NetworkID":"{{{networkId}}}","Options":{"com.docker.network.enable_ipv4":true,"com.docker.network.enable_ipv6":false,"com.docker.network.generic":{"bridge_name":"vlan2000","ext_if":"eno1","vlan_id":"2000"}},"IPv4Data":[{"AddressSpace":"l2vlan","Pool":"192.168.1.0/24","Gateway":"192.168.1.1/24","AuxAddresses":{}}],"IPv6Data":[]}""");
        return pool;
    }

    private void Join(string networkId, string pool, string endpointId)
    {
        var address = Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":{"com.docker.network.endpoint.name":"web"}}""")
            .GetProperty("Address").GetString();
        Ok("/NetworkDriver.CreateEndpoint",
            $$$"""{"NetworkID":"{{{networkId}}}","EndpointID":"{{{endpointId}}}","Interface":{"Address":"{{{address}}}","AddressIPv6":"","MacAddress":""},"Options":{{{SandboxOptions}}}}""");
        Ok("/NetworkDriver.Join", $$$"""{"NetworkID":"{{{networkId}}}","EndpointID":"{{{endpointId}}}","SandboxKey":"/var/run/docker/netns/67ff58ce7a72","Options":{{{SandboxOptions}}}}""");
    }

    /// <summary>The links (name, kind, master) and the state files' bytes.</summary>
    private (string Links, string Files) Observed()
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
