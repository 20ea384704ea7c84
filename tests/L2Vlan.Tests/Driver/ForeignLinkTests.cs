using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Netlink;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// Links l2vlan did not make: a VLAN sub-interface that something else uses (the host's management VLAN with its
/// address) is never put on l2vlan's bridge, an unused one is used but never deleted nor given another MTU, and
/// <c>ext_if</c> must be a NIC, not the loopback, a bridge, a container's veth or a VLAN of a bridge.
/// </summary>
public class ForeignLinkTests : StateOnEno1
{
    [SetUp]
    public void SetUp()
    {
        _state.Links.AddLoopback();
    }

    private static NetworkSpec Network(string id, string extIf, int vlanId, int? mtu = null)
    {
        var options = new Dictionary<string, string> { ["vlan_id"] = vlanId.ToString(), ["ext_if"] = extIf };
        if (mtu is not null) options["mtu"] = mtu.ToString()!;
        return new NetworkSpec(id, options, false, [], []);
    }

    private int Index(string link) => _state.Links.FindLink(link)!.Index;

    /// <summary>The user's VLAN sub-interface of eno1, up, with the IPv6 link-local address the kernel gives
    /// it.</summary>
    private LinkInfo UsersVlanLink(int vlanId, int mtu = 1500)
    {
        _state.Links.CreateVlan($"eno1.{vlanId}", Index("eno1"), vlanId, mtu);
        _state.Links.SetUp(Index($"eno1.{vlanId}"));
        _state.Links.AddAddress($"eno1.{vlanId}", "fe80::5054:ff:fe00:1", 64);
        return _state.Links.FindLink($"eno1.{vlanId}")!;
    }

    /// <summary>Refused with an error holding each of <paramref name="expected"/>; no link, file or rule is made or
    /// changed.</summary>
    private void AssertRefused(NetworkSpec network, params string[] expected)
    {
        var links = _state.Links.ListLinks();
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(network));
        foreach (var text in expected) Assert.That(error!.Message, Does.Contain(text));
        TestContext.Out.WriteLine(error!.Message);
        Assert.That(_state.Links.ListLinks(), Is.EqualTo(links), "no link made or changed");
        Assert.That(_state.Files("bridges").Concat(_state.Files("networks")), Is.Empty);
        Assert.That(_state.Firewall.Accepted, Is.Empty);
    }

    [Test]
    public void The_hosts_own_vlan_sub_interface_with_its_address_is_refused_and_left_as_it_was()
    {
        UsersVlanLink(3010, mtu: 1500);
        _state.Links.AddAddress("eno1.3010", "10.99.0.2", 24);
        AssertRefused(Network("net1", "eno1", 3010, mtu: 1400), "-o ext_if=eno1 -o vlan_id=3010",
            "eno1.3010 exists, l2vlan did not make it", "the host has the address 10.99.0.2 on it");
        Assert.That(_state.Links.FindLink("vlan3010"), Is.Null);
    }

    [Test]
    public void A_vlan_sub_interface_that_is_another_bridges_port_is_refused()
    {
        UsersVlanLink(3011);
        _state.Links.CreateBridge("br0", null);
        _state.Links.SetMaster(Index("eno1.3011"), Index("br0"));
        AssertRefused(Network("net1", "eno1", 3011), "-o ext_if=eno1 -o vlan_id=3011", "it is a port of br0");
    }

    [Test]
    public void A_vlan_sub_interface_with_a_link_made_on_it_is_refused()
    {
        UsersVlanLink(3012);
        _state.Links.CreateVlan("eno1.3012.5", Index("eno1.3012"), 5, null);
        AssertRefused(Network("net1", "eno1", 3012), "eno1.3012.5 (a vlan) is made on it");
    }

    [Test]
    public void An_unused_vlan_sub_interface_is_used_but_neither_deleted_nor_given_another_mtu()
    {
        UsersVlanLink(40, mtu: 1500);
        AssertRefused(Network("net1", "eno1", 40, mtu: 1400),
            "-o mtu=1400: eno1.40 exists with MTU 1500 and l2vlan did not make it");

        _state.Driver.CreateNetwork(Network("net1", "eno1", 40));
        Assert.That(_state.Links.FindLink("eno1.40")!.MasterIndex, Is.EqualTo(Index("vlan40")), "on l2vlan's bridge");
        var mtuError = Assert.Throws<UserError>(() =>
            _state.Driver.CreateNetwork(Network("net2", "eno1", 40, mtu: 1400)));
        Assert.That(mtuError!.Message, Does.Contain("-o mtu=1400: eno1.40 exists with MTU 1500"),
            "a later network cannot bring an MTU either");

        _state.Driver.DeleteNetwork("net1");
        var kept = _state.Links.FindLink("eno1.40");
        Assert.That((kept?.Mtu, kept?.MasterIndex), Is.EqualTo(((int?)1500, (int?)null)),
            "still there, off the bridge l2vlan made and removed, MTU as it was");
        Assert.That(_state.Links.FindLink("vlan40"), Is.Null);
    }

    [Test]
    public void An_unused_vlan_sub_interface_with_the_asked_mtu_is_used()
    {
        UsersVlanLink(41, mtu: 1400);
        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net1", "eno1", 41, mtu: 1400)));
        Assert.That(_state.Links.FindLink("eno1.41")!.Mtu, Is.EqualTo(1400));
    }

    [Test]
    public void A_users_vlan_sub_interface_made_again_with_an_address_is_not_taken_back()
    {
        UsersVlanLink(42);
        _state.Driver.CreateNetwork(Network("net1", "eno1", 42));
        // The user deletes it and makes it again, now as the host's own.
        _state.Links.DeleteLink("eno1.42");
        UsersVlanLink(42);
        _state.Links.AddAddress("eno1.42", "10.42.0.2", 24);

        _state.Recovery.RestoreLinksOf("eno1.42");
        _state.Restart();
        Assert.That(_state.Links.FindLink("eno1.42")!.MasterIndex, Is.Null, "not put on the bridge");
    }

    [TestCase("lo", "is the loopback")]
    [TestCase("docker0", "is a bridge")]
    [TestCase("br-01234567", "is a bridge")]
    public void An_ext_if_that_is_no_nic_is_refused(string extIf, string why)
    {
        _state.Links.CreateBridge("docker0", null);
        _state.Links.CreateBridge("br-01234567", null);
        AssertRefused(Network("net1", extIf, 20), $"-o ext_if={extIf} {why}", "expected the NIC that carries the VLAN");
    }

    [Test]
    public void An_ext_if_that_is_l2vlans_own_bridge_is_refused()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno1", 2000));
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net2", "vlan2000", 2001)));
        Assert.That(error!.Message, Does.Contain("-o ext_if=vlan2000 is a bridge"));
        Assert.That(_state.Links.FindLink("vlan2000.2001"), Is.Null);
        Assert.That(_state.Links.FindLink("vlan2001"), Is.Null);
    }

    [Test]
    public void An_ext_if_that_is_a_containers_veth_or_a_vlan_of_a_bridge_is_refused()
    {
        _state.Links.CreateBridge("docker0", null);
        _state.Links.CreateVethPair("veth1a2b", "eth0c", null, null);
        _state.Links.SetMaster(Index("veth1a2b"), Index("docker0"));
        _state.Links.CreateVlan("docker0.7", Index("docker0"), 7, null);
        _state.Links.CreateVlan("docker0.7.8", Index("docker0.7"), 8, null);

        AssertRefused(Network("net1", "veth1a2b", 20), "-o ext_if=veth1a2b is a container's veth, a port of docker0");
        AssertRefused(Network("net1", "docker0.7", 20), "-o ext_if=docker0.7 is a VLAN sub-interface of bridge " +
            "docker0");
        AssertRefused(Network("net1", "docker0.7.8", 20), "-o ext_if=docker0.7.8 is a VLAN sub-interface of bridge " +
            "docker0");
    }

    [Test]
    public void An_ext_if_that_is_a_veth_to_another_namespace_or_a_vlan_of_a_nic_is_taken()
    {
        _state.Links.CreateVethPair("trunk0", "trunk0p", null, null);
        _state.Links.CreateVlan("eno1.100", Index("eno1"), 100, null);
        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net1", "trunk0", 2000)));
        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net2", "eno1.100", 2001)),
            "802.1ad-style stacking on a NIC's VLAN");
    }
}
