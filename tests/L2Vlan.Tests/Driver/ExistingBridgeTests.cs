using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Netlink;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>A bridge that l2vlan did not make is used only when it is plainly meant for the VLAN, and never
/// deleted.</summary>
public class ExistingBridgeTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp()
    {
        _state = TestState.WithNics("eno1", "eth0");
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static NetworkSpec Network(string id, string bridge) =>
        Networks.Vlan2000(id) with { Options = Networks.Vlan2000Options(("bridge_name", bridge)) };

    private void Container(string network, string endpoint)
    {
        _state.Driver.CreateEndpoint(network, endpoint, InterfaceAddress.TryParse("192.168.1.4/24", out var address)
            ? address : null, null, null);
        _state.Driver.Join(network, endpoint);
    }

    private int Index(string link) => _state.Links.FindLink(link)!.Index;

    private IEnumerable<string> Ports(string bridge) =>
        _state.Links.PortsOf(_state.Links.FindLink(bridge)!).Select(l => l.Name);

    private void AssertNothingChanged()
    {
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Files("networks"), Is.Empty);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Firewall.Accepted, Is.Empty);
    }

    [Test]
    public void A_bridge_with_another_port_is_refused_and_left_as_it_was()
    {
        _state.Links.CreateBridge("br0", null);                 // the host's own bridge, its uplink enslaved
        _state.Links.SetMaster(Index("eth0"), Index("br0"));

        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net1", "br0")));
        Assert.That(error!.Message,
            Does.Contain("-o bridge_name=br0").And.Contain("other ports (eth0)").And.Contain("eno1.2000"));
        Assert.That(Ports("br0"), Is.EqualTo(new[] { "eth0" }));
        AssertNothingChanged();
    }

    [TestCase("172.18.0.1", 16)]                              // a Docker network's bridge under a name of its own
    [TestCase("2001:db8::1", 64)]
    public void A_bridge_the_host_has_an_address_on_is_refused(string address, int prefixLength)
    {
        _state.Links.CreateBridge("mynet", null);
        _state.Links.AddAddress("mynet", address, prefixLength);

        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net1", "mynet")));
        Assert.That(error!.Message, Does.Contain("-o bridge_name=mynet").And.Contain($"address {address}"));
        AssertNothingChanged();
    }

    [Test]
    public void A_bridge_made_for_the_vlan_is_used_and_never_deleted()
    {
        _state.Links.CreateBridge("vlan2000", null);
        _state.Links.CreateVlan("eno1.2000", Index("eno1"), 2000, null);
        _state.Links.SetMaster(Index("eno1.2000"), Index("vlan2000"));
        _state.Links.AddAddress("vlan2000", "fe80::1", 64);   // the kernel's own, on any bridge with a port

        _state.Driver.CreateNetwork(Network("net1", "vlan2000"));
        Container("net1", "e1");
        _state.Driver.DeleteNetwork("net1");

        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Firewall.Accepted, Is.Empty, "the rule was l2vlan's");
    }

    [Test]
    public void A_bridge_of_l2vlan_whose_record_was_lost_is_used_again_but_no_longer_deleted()
    {
        _state.Driver.CreateNetwork(Network("net1", "vlan2000"));
        Container("net1", "e1");
        File.Delete(_state.Bridges.PathOf("vlan2000"));
        _state.Restart();

        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net2", "vlan2000")),
            "its ports are the VLAN and l2vlan's own veth");
        Assert.That(_state.Driver.Bridges.Single().CreatedBridge, Is.False, "l2vlan no longer knows it made it");
        _state.Driver.DeleteNetwork("net1");
        _state.Driver.DeleteNetwork("net2");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null);
    }

    [Test]
    public void A_bridge_that_l2vlan_uses_is_not_checked_again_for_its_own_veths()
    {
        _state.Driver.CreateNetwork(Network("net1", "vlan2000"));
        Container("net1", "e1");
        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net2", "vlan2000")));
    }
}
