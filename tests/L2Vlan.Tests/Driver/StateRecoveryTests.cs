using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>Start-up never takes down a bridge that a quarantined network or a running container may still be
/// on.</summary>
public class StateRecoveryTests : StateOnEno1
{
    private static NetworkSpec Network(string id) =>
        Networks.Vlan2000(id, Networks.Subnet("192.168.1.0/24", "192.168.1.1"));

    /// <summary>net1 with a running container on the bridge vlan2000; returns the host end of its veth.</summary>
    private string NetworkWithRunningContainer()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Driver.CreateEndpoint("net1", "e1", new InterfaceAddress(System.Net.IPAddress.Parse("192.168.1.4"), 24),
            null, null);
        _state.Driver.Join("net1", "e1");
        return _state.Driver.Endpoint("net1", "e1")!.Value.Endpoint.HostVeth!;
    }

    private void AssertBridgeKept(string veth)
    {
        var bridge = _state.Links.FindLink("vlan2000");
        Assert.That(bridge, Is.Not.Null, "the bridge");
        Assert.That(_state.Links.FindLink("eno1.2000")?.MasterIndex, Is.EqualTo(bridge!.Index),
            "the VLAN link, on the bridge");
        Assert.That(_state.Links.FindLink(veth)?.MasterIndex, Is.EqualTo(bridge.Index),
            "the container's veth, on the bridge");
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"), "the firewall rule");
        Assert.That(_state.Files("bridges"), Is.EqualTo(new[] { "vlan2000.json" }), "the bridge's record");
    }

    [Test]
    public void A_corrupt_network_file_leaves_its_bridge_vlan_link_and_rule_in_place_at_this_start_and_the_next()
    {
        var veth = NetworkWithRunningContainer();
        File.WriteAllText(_state.Networks.PathOf("net1"), "{ \"NetworkId\": \"net1\", ");

        _state.Restart();
        Assert.That(_state.Files("networks"), Is.Empty, "the file went to quarantine");
        AssertBridgeKept(veth);

        _state.Restart(); // the file is still in quarantine, no longer among the networks
        AssertBridgeKept(veth);
    }

    [TestCase("""{"NetworkId": null, "BridgeName": "vlan2000", "ExtIf": "eno1", "VlanId": 2000}""")]
    [TestCase("""{"NetworkId": "net3", "BridgeName": "vlan2000", "ExtIf": "eno1", "VlanId": 2000,""" +
        """ "Endpoints": {"e": null}}""")]
    [TestCase("""{"NetworkId": "net3", "BridgeName": "vlan2000", "ExtIf": "eno1", "VlanId": 2000,""" +
        """ "Endpoints": {"e": {"EndpointId": "e", "MacAddress": null}}}""")]
    [TestCase("""{"NetworkId": "net3", "BridgeName": "vlan2000", "ExtIf": "eno1", "VlanId": 2000,""" +
        """ "Subnets": [null], "AuxAddresses": [null]}""")]
    public void A_network_file_that_parses_but_lacks_a_value_is_quarantined_at_start(string json)
    {
        var veth = NetworkWithRunningContainer();
        File.WriteAllText(_state.Networks.PathOf("net3"), json);

        Assert.DoesNotThrow(() => _state.Restart(), "the service starts");
        Assert.That(_state.Files("networks"), Is.EqualTo(new[] { "net1.json" }), "the file went to quarantine");
        Assert.That(_state.Networks.QuarantinedFiles().Select(Path.GetFileName), Has.One.StartsWith("net3.json."));
        Assert.That(_state.Driver.Endpoint("net1", "e1"), Is.Not.Null, "the other network is served");
        AssertBridgeKept(veth);
    }

    [Test]
    public void Deleting_the_last_readable_network_on_the_bridge_leaves_it_to_the_quarantined_one()
    {
        var veth = NetworkWithRunningContainer();
        _state.Driver.CreateNetwork(Network("net2"));
        File.WriteAllText(_state.Networks.PathOf("net1"), "{ \"NetworkId\": \"net1\", ");
        _state.Restart();

        _state.Driver.DeleteNetwork("net2");
        AssertBridgeKept(veth);
    }

    [Test]
    public void Once_the_quarantined_file_is_gone_and_nothing_is_on_the_bridge_it_is_removed_at_start()
    {
        var veth = NetworkWithRunningContainer();
        File.WriteAllText(_state.Networks.PathOf("net1"), "{ \"NetworkId\": \"net1\", ");
        _state.Restart();
        Directory.Delete(_state.Networks.QuarantineDirectory, recursive: true); // the operator gave it up
        _state.Links.DeleteLink(veth);                                          // and the container stopped

        _state.Restart();
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Firewall.Accepted, Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);
    }

    [Test]
    public void A_bridge_without_a_network_record_that_still_has_a_container_port_is_kept()
    {
        var veth = NetworkWithRunningContainer();
        File.Delete(_state.Networks.PathOf("net1")); // no quarantine: the record is simply gone

        _state.Restart();
        AssertBridgeKept(veth);
    }
}
