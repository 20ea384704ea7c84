namespace L2Vlan.Tests.Protocol;

/// <summary>
/// What Docker 29 sends a remote driver and IPAM that earlier engines did not, as bytes built the way its code
/// builds them (moby tag docker-v29.7.2: daemon/libnetwork/drivers/remote/driver.go, ipams/remote/remote.go,
/// network.go, endpoint.go). Docker 29 is not in Debian, so these shapes are read, not recorded; docs/engines.md
/// says where each comes from.
/// </summary>
public class Docker29RequestTests : DispatcherOverFakeKernel
{
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
        var v4 = Refused("/IpamDriver.RequestPool", """
            {"AddressSpace":"l2vlan","Pool":"0.0.0.0/24","SubPool":"","Options":{},"V6":false}
            """);
        Assert.That(v4,
            Does.StartWith("--subnet 0.0.0.0/24 asks for any free /24 subnet").And.Contain(
                "e.g. --subnet 192.168.1.0/24"));

        var v6 = Refused("/IpamDriver.RequestPool", """
            {"AddressSpace":"l2vlan","Pool":"::/96","SubPool":"","Options":{},"V6":true}
            """);
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
    /// CreateEndpoint's Options (daemon/network.go, EndpointOptionGeneric), but Docker names a plugin's interface from
    /// DstPrefix only (drivers/remote/driver.go Join). Refused, so that the container does not get eth1 where lan0 was
    /// asked for.
    /// </summary>
    [Test]
    public void An_interface_name_for_the_container_is_refused_naming_the_option_and_no_endpoint_is_recorded()
    {
        var pool = CreateNetwork(Net1, "192.168.1.4/31");
        Ok("/IpamDriver.RequestAddress",
            $$$"""{"PoolID":"{{{pool}}}","Address":"","Options":{"com.docker.network.endpoint.name":"web1"}}""");

        var error = Refused("/NetworkDriver.CreateEndpoint", $$$"""
            {"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}",
            "Interface":{"Address":"192.168.1.4/24","AddressIPv6":"","MacAddress":""},
            "Options":{"com.docker.network.endpoint.exposedports":[],"com.docker.network.endpoint.ifname":"lan0",
            "com.docker.network.portmap":[]}}
            """);

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
        Ok("/NetworkDriver.CreateEndpoint", $$$"""
            {"NetworkID":"{{{Net1}}}","EndpointID":"{{{Endpoint1}}}",
            "Interface":{"Address":"192.168.1.4/24","AddressIPv6":"","MacAddress":""},
            "Options":{"com.docker.network.endpoint.ifname":""}}
            """);
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
    public void Gateway_moves_change_no_link_and_no_state_file_however_often_they_come_and_across_a_restart()
    {
        JoinContainer(Net1, CreateNetwork(Net1, "192.168.1.4/32"), Endpoint1);
        JoinContainer(Net2, CreateNetwork(Net2, "192.168.1.6/32"), Endpoint2);
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
}
