using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

public class NetworkDriverTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp()
    {
        var links = new FakeLinkControl();
        links.AddNic("eno1");
        links.AddNic("eth1", mtu: 9000);
        _state = new TestState(links);
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static readonly SubnetRecord Subnet = new(Cidr.ParseNetwork("192.168.1.0/24", "subnet"),
        Address("192.168.1.1/24"));

    private static NetworkSpec Network(string id, Dictionary<string, string>? options = null, string? aux = null,
        bool isInternal = false) => new(
        id,
        options ?? Networks.Vlan2000Options(),
        isInternal,
        [Subnet],
        aux is null ? [] : [IPAddress.Parse(aux)]);

    private static InterfaceAddress Address(string text) =>
        InterfaceAddress.TryParse(text, out var address) ? address : throw new ArgumentException(text);

    private (System.Net.NetworkInformation.PhysicalAddress Mac, bool Known) Endpoint(string network, string endpoint,
        string? address, string? mac = null) =>
        _state.Driver.CreateEndpoint(network, endpoint, string.IsNullOrEmpty(address) ? null : Address(address), null,
            mac is null ? null : System.Net.NetworkInformation.PhysicalAddress.Parse(mac.Replace(':', '-')));

    private IEnumerable<string> Ports(string bridge)
    {
        var index = _state.Links.FindLink(bridge)!.Index;
        return _state.Links.ListLinks().Where(l => l.MasterIndex == index).Select(l => l.Name);
    }

    [Test]
    public void Creating_a_network_makes_the_bridge_and_the_sub_interface_as_its_port()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var bridge = _state.Links.FindLink("vlan2000");
        var vlan = _state.Links.FindLink("eno1.2000");
        Assert.That(bridge, Is.Not.Null);
        Assert.That(bridge!.Kind, Is.EqualTo("bridge"));
        Assert.That(bridge.IsUp);
        Assert.That(vlan!.Kind, Is.EqualTo("vlan"));
        Assert.That(vlan.VlanId, Is.EqualTo(2000));
        Assert.That(vlan.ParentIndex, Is.EqualTo(_state.Links.FindLink("eno1")!.Index));
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        Assert.That(_state.Firewall.Accepted, Is.EquivalentTo(new[] { "vlan2000" }));
        Assert.That(_state.Files("networks"), Is.EqualTo(new[] { "net1.json" }));
        Assert.That(_state.Files("bridges"), Is.EqualTo(new[] { "vlan2000.json" }));
    }

    [Test]
    public void Networks_share_a_bridge_and_the_last_one_out_removes_what_l2vlan_made()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Driver.CreateNetwork(Network("net2"));
        Assert.That(_state.Links.ListLinks().Count(l => l.Kind == "bridge"), Is.EqualTo(1));

        _state.Driver.DeleteNetwork("net1");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null, "net2 still uses the bridge");
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"));

        _state.Driver.DeleteNetwork("net2");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Links.FindLink("eno1"), Is.Not.Null, "the NIC is never touched");
        Assert.That(_state.Firewall.Accepted, Is.Empty);
        Assert.That(_state.Files("networks"), Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.DoesNotThrow(() => _state.Driver.DeleteNetwork("net2"), "deletes are idempotent");
    }

    [Test]
    public void Links_that_existed_before_are_used_but_never_deleted()
    {
        _state.Links.CreateBridge("vlan2000", null);
        _state.Links.CreateVlan("eno1.2000", _state.Links.FindLink("eno1")!.Index, 2000, null);
        _state.Driver.CreateNetwork(Network("net1"));
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        _state.Driver.DeleteNetwork("net1");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Not.Null);
        Assert.That(_state.Firewall.Accepted, Is.Empty, "the firewall rule was l2vlan's, so it goes");
    }

    [Test]
    public void A_bridge_name_reused_for_another_vlan_is_a_clear_error_and_changes_nothing()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var sameBridgeOtherVlan =
            Network("net2", new() { ["vlan_id"] = "2001", ["ext_if"] = "eno1", ["bridge_name"] = "vlan2000" });
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(sameBridgeOtherVlan));
        Assert.That(error!.Message, Does.Contain("bridge_name=vlan2000").And.Contain("VLAN 2000 of eno1"));
        Assert.That(_state.Files("networks"), Is.EqualTo(new[] { "net1.json" }));
        Assert.That(_state.Links.FindLink("eno1.2001"), Is.Null);
    }

    [Test]
    public void One_vlan_cannot_feed_two_bridges()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var sameVlanOtherBridge =
            Network("net2", new() { ["vlan_id"] = "2000", ["ext_if"] = "eno1", ["bridge_name"] = "other" });
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(sameVlanOtherBridge));
        Assert.That(error!.Message, Does.Contain("bridge_name=vlan2000"));
        Assert.That(_state.Links.FindLink("other"), Is.Null);
    }

    [Test]
    public void A_name_taken_by_a_non_bridge_is_refused_and_nothing_is_left_behind()
    {
        _state.Links.AddNic("vlan2000", kind: "veth");
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net1")));
        Assert.That(error!.Message, Does.Contain("not a bridge"));
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Files("networks"), Is.Empty);
    }

    [Test]
    public void A_missing_nic_is_named()
    {
        var onMissingNic = Network("net1", new() { ["vlan_id"] = "2000", ["ext_if"] = "eno9" });
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(onMissingNic));
        Assert.That(error!.Message, Does.Contain("eno9"));
    }

    [Test]
    public void An_mtu_above_the_nic_is_refused_and_one_below_is_applied()
    {
        var aboveTheNic = Network("net1", new() { ["vlan_id"] = "10", ["ext_if"] = "eno1", ["mtu"] = "9000" });
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(aboveTheNic));
        Assert.That(error!.Message, Does.Contain("mtu=9000").And.Contain("1500 of eno1"));
        _state.Driver.CreateNetwork(
            Network("net2", new() { ["vlan_id"] = "10", ["ext_if"] = "eth1", ["mtu"] = "9000" }));
        Assert.That(_state.Links.FindLink("vlan10")!.Mtu, Is.EqualTo(9000));
        Assert.That(_state.Links.FindLink("eth1.10")!.Mtu, Is.EqualTo(9000));
    }

    [Test]
    public void A_replayed_create_is_accepted_and_restores_missing_links()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Links.DeleteLink("vlan2000");
        _state.Driver.CreateNetwork(Network("net1"));
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        var otherOptions = Network("net1", new() { ["vlan_id"] = "2000", ["ext_if"] = "eno1" });
        var changed = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(otherOptions));
        Assert.That(changed!.Message, Does.Contain("already exists"));
    }

    [Test]
    public void Join_plugs_a_veth_into_the_bridge_and_returns_the_router_as_gateway()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var created = Endpoint("net1", "0474660acf3a9b54f0b6ae56b477ba6c", "192.168.1.4/24");
        Assert.That(MacAddresses.Format(created.Mac), Is.EqualTo("02:6c:c0:a8:01:04"),
            "MAC from the address, same on every node");

        var join = _state.Driver.Join("net1", "0474660acf3a9b54f0b6ae56b477ba6c");
        Assert.That(join.Gateway, Is.EqualTo(IPAddress.Parse("192.168.1.1")));
        var container = _state.Links.FindLink(join.ContainerVeth);
        Assert.That(container, Is.Not.Null);
        Assert.That(container!.Mac!.ToString(), Is.EqualTo("026CC0A80104"));
        Assert.That(Ports("vlan2000"), Is.EquivalentTo(new[] { "eno1.2000", "l2v0474660acf3" }));
        Assert.That(_state.Links.Announcements.Single().Link, Is.EqualTo("vlan2000"));

        _state.Driver.DeleteEndpoint("net1", "0474660acf3a9b54f0b6ae56b477ba6c");
        _state.WaitForDeletes();
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        Assert.That(_state.Links.FindLink(join.ContainerVeth), Is.Null);
        Assert.DoesNotThrow(() => _state.Driver.DeleteEndpoint("net1", "0474660acf3a9b54f0b6ae56b477ba6c"));
    }

    [Test]
    public void A_mac_given_by_docker_is_kept_and_not_sent_back()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var created = Endpoint("net1", "e1", "192.168.1.4/24", mac: "02:42:ac:11:00:09");
        Assert.That(MacAddresses.Format(created.Mac), Is.EqualTo("02:42:ac:11:00:09"));
        var join = _state.Driver.Join("net1", "e1");
        Assert.That(_state.Links.FindLink(join.ContainerVeth)!.Mac!.ToString(), Is.EqualTo("0242AC110009"));
    }

    [Test]
    public void Veth_names_do_not_collide_when_endpoint_ids_share_a_prefix()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        Endpoint("net1", "aaaaaaaaaaaaaaaa1111", "192.168.1.4/24");
        Endpoint("net1", "aaaaaaaaaaaaaaaa2222", "192.168.1.5/24");
        var one = _state.Driver.Join("net1", "aaaaaaaaaaaaaaaa1111");
        var two = _state.Driver.Join("net1", "aaaaaaaaaaaaaaaa2222");
        Assert.That(one.ContainerVeth, Is.Not.EqualTo(two.ContainerVeth));
        Assert.That(Ports("vlan2000").Count(), Is.EqualTo(3));
    }

    [Test]
    public void An_endpoint_outside_the_subnets_or_without_address_is_refused()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        Assert.That(Assert.Throws<UserError>(() => Endpoint("net1", "e1", "10.0.0.4/24"))!.Message,
            Does.Contain("none of the network's subnets"));
        Assert.That(Assert.Throws<UserError>(() => Endpoint("net1", "e1", ""))!.Message, Does.Contain("no address"));
        Assert.That(Assert.Throws<UserError>(() => Endpoint("nope", "e1", "192.168.1.4/24"))!.Message,
            Does.Contain("no network nope"));
    }

    [Test]
    public void Internal_networks_get_no_default_route_and_routes_go_via_the_gateway()
    {
        var request = Network("net1", Networks.Vlan2000Options(("routes", "10.0.0.0/8")));
        _state.Driver.CreateNetwork(request);
        Endpoint("net1", "e1", "192.168.1.4/24");
        var join = _state.Driver.Join("net1", "e1");
        Assert.That(join.Routes.Single().Destination.ToString(), Is.EqualTo("10.0.0.0/8"));
        Assert.That(join.Routes.Single().NextHop, Is.EqualTo(IPAddress.Parse("192.168.1.1")));

        _state.Driver.CreateNetwork(Network("net2", isInternal: true));
        Endpoint("net2", "e2", "192.168.1.6/24");
        Assert.That(_state.Driver.Join("net2", "e2").Gateway, Is.Null);
    }

    [Test]
    public void A_restart_keeps_networks_and_endpoints_and_rebuilds_lost_links()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        Endpoint("net1", "e1", "192.168.1.4/24");
        var join = _state.Driver.Join("net1", "e1");
        _state.Links.DeleteLink("vlan2000");   // as after a reboot, or someone's ip link del
        _state.Links.DeleteLink("eno1.2000");
        _state.Firewall.Accepted.Clear();

        _state.Restart();

        Assert.That(Ports("vlan2000"), Is.EquivalentTo(new[] { "eno1.2000", "l2ve1000000000" }),
            "the container's veth is put back on the new bridge");
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"));
        _state.Driver.DeleteEndpoint("net1", "e1");
        _state.WaitForDeletes();
        Assert.That(_state.Links.FindLink(join.ContainerVeth), Is.Null);
    }

    [Test]
    public void A_bridge_left_by_an_interrupted_delete_is_removed_at_start()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        File.Delete(_state.Networks.PathOf("net1")); // the crash came after the network's file went
        _state.Restart();
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Files("bridges"), Is.Empty);
    }

    [Test]
    public void Aux_addresses_of_a_network_become_replayable_in_ipam()
    {
        var pool = _state.IpamService.RequestPool(Subnet.Subnet, Cidr.ParseNetwork("192.168.1.4/32", "range"),
            v6: false);
        var aux = IPAddress.Parse("192.168.1.200");
        _state.IpamService.RequestAddress(pool, aux, gateway: false);
        _state.Driver.CreateNetwork(Network("net1", aux: "192.168.1.200"));
        Assert.DoesNotThrow(() => _state.IpamService.RequestAddress(pool, aux, gateway: false));
    }

    [Test]
    public void An_ipv6_only_endpoint_gets_a_mac_from_its_address_and_the_ipv6_gateway()
    {
        _state.Driver.CreateNetwork(new NetworkSpec("v6only", new Dictionary<string, string> { ["parent"] = "eno1.30" },
            false,
            [new SubnetRecord(Cidr.ParseNetwork("2001:db8:30::/64", "subnet"), Address("2001:db8:30::1/64"))], []));
        var created = _state.Driver.CreateEndpoint("v6only", "e6", null, Address("2001:db8:30::a:b0c/64"), null);
        Assert.That(MacAddresses.Format(created.Mac), Is.EqualTo("02:6c:00:0a:0b:0c"));
        var join = _state.Driver.Join("v6only", "e6");
        Assert.That(join.Gateway, Is.Null);
        Assert.That(join.GatewayIPv6, Is.EqualTo(IPAddress.Parse("2001:db8:30::1")));
        Assert.That(_state.Links.Announcements.Select(a => (a.Link, a.Address)), Is.EqualTo(new[]
        {
            ("vlan30", IPAddress.Parse("2001:db8:30::a:b0c")),
        }),
            "an unsolicited neighbour advertisement, IPv6's gratuitous ARP");
    }
}
