using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// A start checks every bridge against one dump of the links and one listing of the firewall, so a
/// bridge in place costs no call; one that is not as its record says is repaired as before.
/// </summary>
public class StartupSnapshotTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp()
    {
        var links = new FakeLinkControl();
        links.AddNic("eno1");
        _state = new TestState(links, new FakeFirewall { Lists = true });
        foreach (var vlan in new[] { 2000, 2001 })
        {
            _state.Driver.CreateNetwork(new NetworkSpec(
                $"net{vlan}",
                new Dictionary<string, string> { ["vlan_id"] = $"{vlan}", ["ext_if"] = "eno1" },
                false,
                [new SubnetRecord(Cidr.ParseNetwork($"10.{vlan % 256}.0.0/24", "subnet"), null)],
                []));
            _state.Driver.CreateEndpoint($"net{vlan}", $"e{vlan}",
                new InterfaceAddress(System.Net.IPAddress.Parse($"10.{vlan % 256}.0.4"), 24), null, null);
            _state.Driver.Join($"net{vlan}", $"e{vlan}");
        }
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private string Veth(int vlan) => _state.Driver.Endpoint($"net{vlan}", $"e{vlan}")!.Value.Endpoint.HostVeth!;

    [Test]
    public void A_restart_with_everything_in_place_asks_the_firewall_nothing_more()
    {
        var allows = _state.Firewall.Allows;
        _state.Restart();
        Assert.That(_state.Firewall.Allows, Is.EqualTo(allows), "no rule asked for: the listing showed them");
    }

    [Test]
    public void A_missing_rule_and_a_veth_off_its_bridge_are_put_back_and_the_other_bridge_is_left_alone()
    {
        _state.Firewall.RemoveBridged("vlan2000");
        var veth = _state.Links.FindLink(Veth(2001))!;
        _state.Links.SetMaster(veth.Index, _state.Links.FindLink("vlan2000")!.Index);
        var allows = _state.Firewall.Allows;

        _state.Restart();
        Assert.That(_state.Firewall.Accepted, Is.EquivalentTo(new[] { "vlan2000", "vlan2001" }));
        Assert.That(_state.Firewall.Allows, Is.EqualTo(allows + 1), "only vlan2000's rule was asked for");
        Assert.That(_state.Links.FindLink(Veth(2001))!.MasterIndex,
            Is.EqualTo(_state.Links.FindLink("vlan2001")!.Index));
    }
}
