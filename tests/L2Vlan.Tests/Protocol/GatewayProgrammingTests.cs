namespace L2Vlan.Tests.Protocol;

/// <summary>
/// ProgramExternalConnectivity and RevokeExternalConnectivity in the sequences Docker sends around a live-restore.
/// Docker 20.10 to 28 revoke the endpoint that stops being a container's gateway and program the one that becomes
/// it (libnetwork/endpoint.go sbJoin and sbLeave, v26.1.5 and v28.5.2), also an endpoint that a restarted dockerd
/// restored without a Join; Docker 29 sends them only when an endpoint's gateway role changes, and only for
/// endpoints it joined since it started (daemon/libnetwork/drivers/remote/driver.go, docker-v29.7.2). And a
/// restarted l2vlan serves endpoints whose Join an earlier l2vlan process served. Every one answers {} and changes no
/// link and no state file, so the endpoints work on as before.
/// </summary>
public class GatewayProgrammingTests : DispatcherOverFakeKernel
{
    private const string Endpoint3 = "c7e1d2a3b4f5061728394a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9";

    private static string Program(string network, string endpoint, string options = SandboxOptions) =>
        $$$"""{"NetworkID":"{{{network}}}","EndpointID":"{{{endpoint}}}","Options":{{{options}}}}""";

    private static string Revoke(string network, string endpoint) =>
        $$$"""{"NetworkID":"{{{network}}}","EndpointID":"{{{endpoint}}}"}""";

    private void Answers(string path, string body) => Assert.That(Ok(path, body).EnumerateObject(), Is.Empty, path);

    /// <summary>Whether the kernel has the host end of the endpoint's veth, as EndpointOperInfo names it.</summary>
    private bool HasVeth(string network, string endpoint)
    {
        var info = Ok("/NetworkDriver.EndpointOperInfo", Revoke(network, endpoint)).GetProperty("Value");
        return info.TryGetProperty("host_veth", out var veth) && State.Links.FindLink(veth.GetString()!) is not null;
    }

    /// <summary>Docker 29 after `systemctl restart l2vlan`: its gateway calls for an endpoint joined before.</summary>
    [TestCase("ProgramExternalConnectivity")]
    [TestCase("RevokeExternalConnectivity")]
    public void Twice_for_an_endpoint_joined_before_l2vlan_restarted_changes_nothing(string call)
    {
        JoinContainer(Net1, CreateNetwork(Net1, "192.168.1.4/32"), Endpoint1);
        RestartService();
        var restored = Observed();
        var body = call == "ProgramExternalConnectivity" ? Program(Net1, Endpoint1) : Revoke(Net1, Endpoint1);

        Answers("/NetworkDriver." + call, body);
        Answers("/NetworkDriver." + call, body);

        Assert.That(Observed(), Is.EqualTo(restored));
        Assert.That(HasVeth(Net1, Endpoint1), Is.True);
    }

    /// <summary>
    /// An endpoint l2vlan has no record of: never made, on a network it does not know, or already deleted (Docker
    /// 20.10 to 28 revoke before Leave, and a Leave may come after a DeleteEndpoint Docker retried). Nothing is
    /// recorded for it, and nothing else changes.
    /// </summary>
    [Test]
    public void Gateway_calls_for_an_endpoint_l2vlan_does_not_know_change_nothing_and_record_nothing()
    {
        var pool = CreateNetwork(Net1, "192.168.1.4/31");
        JoinContainer(Net1, pool, Endpoint1);
        const string Unknown = "5b1f0c4e6a2d8e7f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5";
        var before = Observed();

        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net1, Unknown));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net1, Unknown));
        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net2, Unknown));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net2, Endpoint1, "{}"));
        Assert.That(Observed(), Is.EqualTo(before));
        Assert.That(State.Driver.Networks.Single().Endpoints.Keys, Is.EqualTo(new[] { Endpoint1 }));

        Leave(Net1, pool, Endpoint1, "192.168.1.4", gateway: false);
        var deleted = Observed();
        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net1, Endpoint1));
        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net1, Endpoint1));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net1, Endpoint1));
        Assert.That(Observed(), Is.EqualTo(deleted));
        Assert.That(State.Driver.Networks.Single().Endpoints, Is.Empty);
    }

    /// <summary>
    /// The live-restore section of the e2e scenario `swarm` as Docker 28.5 called l2vlan there (its debug journal),
    /// in that order: containers c1 on net1 and c2 on net2, `systemctl restart docker` (no call); `docker rm -f c2`;
    /// `docker network connect net2 c1` (net1 stays the gateway: no gateway call); `docker network disconnect net1
    /// c1`, the gateway moving from the restored endpoint to net2's; `systemctl restart l2vlan`; `docker network
    /// connect net1 c1`, net1 taking the gateway back; `docker network disconnect net2 c1`; `docker rm -f c1`.
    /// Restored endpoints and endpoints joined by an earlier l2vlan process are revoked and left like any other.
    /// </summary>
    [Test]
    public void Docker_28s_calls_after_a_live_restore_move_the_gateway_and_leave_no_veth()
    {
        const string C2 = "5b1f0c4e6a2d8e7f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5";
        var pool1 = CreateNetwork(Net1, "192.168.1.4/32");
        var pool2 = CreateNetwork(Net2, "192.168.1.6/31");
        JoinContainer(Net1, pool1, Endpoint1);
        JoinContainer(Net2, pool2, C2);
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net1, Endpoint1));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net2, C2));
        RestartService();

        Leave(Net2, pool2, C2, "192.168.1.6", gateway: true);
        JoinContainer(Net2, pool2, Endpoint2);
        Assert.That(HasVeth(Net1, Endpoint1) && HasVeth(Net2, Endpoint2), Is.True, "c1 on both networks");

        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net1, Endpoint1));
        Ok("/NetworkDriver.Leave", Revoke(Net1, Endpoint1));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net2, Endpoint2));
        Ok("/NetworkDriver.DeleteEndpoint", Revoke(Net1, Endpoint1));
        Ok("/IpamDriver.ReleaseAddress", $$$"""{"PoolID":"{{{pool1}}}","Address":"192.168.1.4"}""");
        State.WaitForDeletes();
        Assert.That(State.Driver.Networks.Single(n => n.NetworkId == Net1).Endpoints, Is.Empty);
        Assert.That(HasVeth(Net2, Endpoint2), Is.True, "the new gateway endpoint keeps its veth");

        RestartService();
        JoinContainer(Net1, pool1, Endpoint3);
        var connected = Observed();
        Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(Net2, Endpoint2));
        Answers("/NetworkDriver.ProgramExternalConnectivity", Program(Net1, Endpoint3));
        Assert.That(Observed(), Is.EqualTo(connected), "the gateway's move changed nothing");

        Leave(Net2, pool2, Endpoint2, "192.168.1.6", gateway: false);
        Leave(Net1, pool1, Endpoint3, "192.168.1.4", gateway: true);
        Assert.That(State.Driver.Networks.SelectMany(n => n.Endpoints.Keys), Is.Empty);
        Assert.That(State.Links.ListLinks().Where(l => l.Kind == "veth"), Is.Empty, "no veth is left");
    }

    /// <summary>
    /// `docker rm` or `docker network disconnect`: Revoke when the endpoint is the gateway, Leave, DeleteEndpoint,
    /// ReleaseAddress.
    /// </summary>
    private void Leave(string network, string pool, string endpoint, string address, bool gateway)
    {
        if (gateway) Answers("/NetworkDriver.RevokeExternalConnectivity", Revoke(network, endpoint));
        Ok("/NetworkDriver.Leave", Revoke(network, endpoint));
        Ok("/NetworkDriver.DeleteEndpoint", Revoke(network, endpoint));
        Ok("/IpamDriver.ReleaseAddress", $$$"""{"PoolID":"{{{pool}}}","Address":"{{{address}}}"}""");
        State.WaitForDeletes();
    }

    [Test]
    public void A_gateway_call_without_usable_IDs_is_refused_naming_the_field_and_changes_nothing()
    {
        JoinContainer(Net1, CreateNetwork(Net1, "192.168.1.4/32"), Endpoint1);
        var before = Observed();

        var (status, body) = Call("/NetworkDriver.ProgramExternalConnectivity", Program(Net1, "../e1"));
        Assert.That(status, Is.EqualTo(500));
        Assert.That(body.GetProperty("Err").GetString(), Does.Contain("EndpointID is not an ID"));
        (status, body) = Call("/NetworkDriver.RevokeExternalConnectivity", """{"EndpointID":"e1"}""");
        Assert.That(status, Is.EqualTo(500));
        Assert.That(body.GetProperty("Err").GetString(), Does.Contain("NetworkID"));

        Assert.That(Observed(), Is.EqualTo(before));
    }
}
