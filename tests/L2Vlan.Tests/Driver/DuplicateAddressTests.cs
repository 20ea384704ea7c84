using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Domain;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>Join probes the VLAN and refuses an address another station holds.</summary>
public class DuplicateAddressTests : StateOnEno1
{
    private static readonly PhysicalAddress Router = PhysicalAddress.Parse("52-54-00-12-34-56");

    private void CreateNetwork(string id, string? dad = null)
    {
        var network = Networks.Vlan2000(id, Networks.Subnet("10.30.1.0/24", "10.30.1.1"),
            Networks.Subnet("2001:db8:30::/64", "2001:db8:30::1"));
        _state.Driver.CreateNetwork(dad is null ? network
            : network with { Options = Networks.Vlan2000Options(("dad", dad)) });
    }

    private static InterfaceAddress Address(string text) =>
        InterfaceAddress.TryParse(text, out var address) ? address : throw new ArgumentException(text);

    private void CreateEndpoint(string network, string endpoint, string? v4, string? v6 = null) =>
        _state.Driver.CreateEndpoint(network, endpoint, v4 is null ? null : Address(v4), v6 is null ? null
            : Address(v6), null);

    private IEnumerable<string> Ports(string bridge)
    {
        var index = _state.Links.FindLink(bridge)!.Index;
        return _state.Links.ListLinks().Where(l => l.MasterIndex == index).Select(l => l.Name);
    }

    [Test]
    public void An_address_another_station_holds_is_refused_with_its_MAC_and_nothing_is_plugged()
    {
        CreateNetwork("net1");
        CreateEndpoint("net1", "e1", "10.30.1.50/24");
        _state.Links.Holders[IPAddress.Parse("10.30.1.50")] = Router;

        var refused = Assert.Throws<UserError>(() => _state.Driver.Join("net1", "e1"));

        Assert.That(refused!.Message,
            Does.Contain("10.30.1.50").And.Contain("VLAN 2000").And.Contain("eno1.2000").And.Contain(
                "52:54:00:12:34:56")
            .And.Contain("dad=off"));
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }), "no veth");
        Assert.That(_state.Links.Announcements, Is.Empty, "a refused address is not announced");
        var probe = _state.Links.Probes.Single();
        Assert.That(probe.LinkIndex, Is.EqualTo(_state.Links.FindLink("eno1.2000")!.Index),
            "probed from the bridge's port to the VLAN");
        Assert.That(probe.Mac, Is.EqualTo(_state.Links.FindLink("eno1.2000")!.Mac).And.Not.Null,
            "probed as the host's station, not as the endpoint: another node's copy of the endpoint has the " +
                "endpoint's MAC");
    }

    [Test]
    public void A_free_address_is_probed_in_both_families_then_plugged()
    {
        CreateNetwork("net1");
        CreateEndpoint("net1", "e1", "10.30.1.51/24", "2001:db8:30::51/64");

        _state.Driver.Join("net1", "e1");

        Assert.That(_state.Links.Probes.Single().Addresses, Is.EqualTo(new[]
        {
            IPAddress.Parse("10.30.1.51"),
            IPAddress.Parse("2001:db8:30::51"),
        }));
        Assert.That(Ports("vlan2000"), Has.Exactly(2).Items);
    }

    [Test]
    public void An_IPv6_address_another_station_holds_is_refused()
    {
        CreateNetwork("net1");
        CreateEndpoint("net1", "e1", null, "2001:db8:30::50/64");
        _state.Links.Holders[IPAddress.Parse("2001:db8:30::50")] = Router;

        var refused = Assert.Throws<UserError>(() => _state.Driver.Join("net1", "e1"));
        Assert.That(refused!.Message, Does.Contain("2001:db8:30::50").And.Contain("52:54:00:12:34:56"));
    }

    [Test]
    public void With_dad_off_nothing_is_probed_and_the_duplicate_joins()
    {
        CreateNetwork("net1", dad: "off");
        CreateEndpoint("net1", "e1", "10.30.1.50/24");
        _state.Links.Holders[IPAddress.Parse("10.30.1.50")] = Router;

        Assert.DoesNotThrow(() => _state.Driver.Join("net1", "e1"));
        Assert.That(_state.Links.Probes, Is.Empty);
    }

    [Test]
    public void A_network_recorded_before_the_option_existed_probes()
    {
        CreateNetwork("net1");
        Assert.That(_state.Driver.Networks.Single().Options.ContainsKey("dad"), Is.False);
        CreateEndpoint("net1", "e1", "10.30.1.52/24");
        _state.Restart();
        _state.Driver.Join("net1", "e1");
        Assert.That(_state.Links.Probes, Has.Count.EqualTo(1));
    }

    [Test]
    public void Two_Joins_on_one_network_probe_at_the_same_time()
    {
        CreateNetwork("net1");
        CreateEndpoint("net1", "e1", "10.30.1.61/24");
        CreateEndpoint("net1", "e2", "10.30.1.62/24");
        // Each probe waits until the other one is under way too: a lock held over the wait would make this time out.
        using var both = new Barrier(2);
        _state.Links.DuringProbe = () =>
        {
            if (!both.SignalAndWait(TimeSpan.FromSeconds(5)))
                throw new TimeoutException("the other Join's probe did not start while this one waited");
        };

        var joins = new[] { "e1", "e2" }.Select(e => Task.Run(() => _state.Driver.Join("net1", e))).ToArray();

        Assert.That(() => Task.WaitAll(joins), Throws.Nothing);
        Assert.That(Ports("vlan2000"), Has.Exactly(3).Items);
    }
}
