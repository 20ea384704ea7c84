using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Driver;

/// <summary>A NIC that goes and comes back, or comes late, gets its VLAN link back; links no record owns are left
/// alone.</summary>
public class LinkRestoreTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp() => _state = TestState.WithNics("eno1", "other");

    [TearDown]
    public void TearDown() => _state.Dispose();

    internal static NetworkSpec Network(string id, string extIf, int vlanId, string bridge) => new(
        id,
        new Dictionary<string, string>
        {
            ["vlan_id"] = vlanId.ToString(),
            ["ext_if"] = extIf,
            ["bridge_name"] = bridge,
        },
        false,
        [new SubnetRecord(Cidr.ParseNetwork("192.168.1.0/24", "subnet"),
            new InterfaceAddress(System.Net.IPAddress.Parse("192.168.1.1"), 24))],
        []);

    /// <summary>The NIC goes; the kernel deletes its VLAN children with it.</summary>
    private void RemoveNic()
    {
        _state.Links.DeleteLink("eno1.2000");
        _state.Links.DeleteLink("eno1");
    }

    private void AssertVlanLinkOnBridgeAndUp()
    {
        var bridge = _state.Links.FindLink("vlan2000") ?? throw new AssertionException("the bridge is missing");
        var vlan = _state.Links.FindLink("eno1.2000") ?? throw new AssertionException("eno1.2000 is missing");
        Assert.That((vlan.Kind, vlan.VlanId, vlan.ParentIndex, vlan.MasterIndex, vlan.IsUp),
            Is.EqualTo(("vlan", (int?)2000, (int?)_state.Links.FindLink("eno1")!.Index, (int?)bridge.Index, true)));
    }

    [Test]
    public void A_re_created_nic_gets_its_vlan_link_back_on_the_bridge_and_up()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000, "vlan2000"));
        RemoveNic();

        _state.Recovery.RestoreLinksOf("eno1.2000");
        _state.Recovery.RestoreLinksOf("eno1");
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null, "nothing to make while the NIC is missing");
        Assert.That((_state.Files("networks"), _state.Files("bridges")),
            Is.EqualTo((new[] { "net1.json" }, new[] { "vlan2000.json" })), "the records stay");

        _state.Links.AddNic("eno1");
        _state.Recovery.RestoreLinksOf("eno1");
        AssertVlanLinkOnBridgeAndUp();

        var before = _state.Links.ListLinks();
        _state.Recovery.RestoreLinksOf("eno1");
        _state.Recovery.RestoreLinksOf(null);
        Assert.That(_state.Links.ListLinks(), Is.EqualTo(before), "a second restore changes nothing");
    }

    [Test]
    public void A_nic_missing_at_start_is_a_warning_that_names_it_and_its_vlan_link_comes_when_it_appears()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000, "vlan2000"));
        RemoveNic();
        var log = new RecordingLogger<StateRecovery>();
        _state.RecoveryLog = log;

        _state.Restart();
        Assert.Multiple(() =>
        {
            Assert.That(log.Entries.Where(e => e.Level >= LogLevel.Error), Is.Empty);
            Assert.That(log.Entries,
                Has.One.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning
                    && e.Message.StartsWith("eno1, the NIC of bridge vlan2000, is missing")));
            Assert.That(_state.Driver.Networks.Select(n => n.NetworkId), Is.EqualTo(new[] { "net1" }));
            Assert.That(_state.Files("bridges"), Is.EqualTo(new[] { "vlan2000.json" }));
        });

        _state.Links.AddNic("eno1");
        _state.Recovery.RestoreLinksOf("eno1");
        AssertVlanLinkOnBridgeAndUp();
    }

    [Test]
    public void A_vlan_link_that_no_record_owns_is_never_touched()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000, "vlan2000"));
        _state.Links.CreateVlan("other.100", _state.Links.FindLink("other")!.Index, 100, null);
        var before = _state.Links.ListLinks();

        _state.Recovery.RestoreLinksOf("other");
        _state.Recovery.RestoreLinksOf("other.100");
        _state.Recovery.RestoreLinksOf(null);

        Assert.That(_state.Links.ListLinks(), Is.EqualTo(before));
    }

    [Test]
    public void A_vlan_link_deleted_while_its_nic_stays_is_made_again()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000, "vlan2000"));
        _state.Links.DeleteLink("eno1.2000");

        _state.Recovery.RestoreLinksOf("eno1.2000");

        AssertVlanLinkOnBridgeAndUp();
    }

    [Test]
    public void A_vlan_link_the_user_made_is_not_made_by_l2vlan_but_put_back_on_the_bridge_when_it_reappears()
    {
        _state.Links.CreateVlan("eno1.2000", _state.Links.FindLink("eno1")!.Index, 2000, null);
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000, "vlan2000"));
        RemoveNic();
        _state.Links.AddNic("eno1");

        _state.Recovery.RestoreLinksOf("eno1");
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null, "the user's sub-interface is the user's to make");

        _state.Links.CreateVlan("eno1.2000", _state.Links.FindLink("eno1")!.Index, 2000, null);
        _state.Recovery.RestoreLinksOf("eno1.2000");
        AssertVlanLinkOnBridgeAndUp();
        Assert.That(_state.Bridges.Peek().Single().Value.CreatedVlanLink, Is.False,
            "still the user's: l2vlan never deletes it");
    }
}
