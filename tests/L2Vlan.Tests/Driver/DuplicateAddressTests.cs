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
        _state.Links.Holders[IPAddress.Parse("10.30.1.50")] = Router;
        CreateEndpoint("net1", "e1", "10.30.1.50/24");

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
        _state.Links.Holders[IPAddress.Parse("2001:db8:30::50")] = Router;
        CreateEndpoint("net1", "e1", null, "2001:db8:30::50/64");

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
        Assert.That(_state.Links.Probes, Has.Count.EqualTo(2),
            "one at the endpoint's creation, one at the Join after the restart, which lost the first one's answer");
    }

    [Test]
    public void Two_Joins_on_one_network_probe_at_the_same_time()
    {
        CreateNetwork("net1");
        // Each probe waits until the other one is under way too: a lock held over the wait would make this time out.
        using var both = new Barrier(2);
        _state.Links.DuringProbe = _ =>
        {
            if (!both.SignalAndWait(TimeSpan.FromSeconds(5)))
                throw new TimeoutException("the other Join's probe did not start while this one waited");
        };

        CreateEndpoint("net1", "e1", "10.30.1.61/24");
        CreateEndpoint("net1", "e2", "10.30.1.62/24");
        var joins = new[] { "e1", "e2" }.Select(e => Task.Run(() => _state.Driver.Join("net1", e))).ToArray();

        Assert.That(() => Task.WaitAll(joins), Throws.Nothing);
        Assert.That(Ports("vlan2000"), Has.Exactly(3).Items);
    }
    [Test]
    public void The_probe_starts_when_the_endpoint_is_created_and_its_Join_waits_for_its_answer()
    {
        CreateNetwork("net1");
        using var probing = new ManualResetEventSlim();
        using var answer = new ManualResetEventSlim();
        _state.Links.DuringProbe = _ =>
        {
            probing.Set();
            answer.Wait(TimeSpan.FromSeconds(10));
        };

        CreateEndpoint("net1", "e1", "10.30.1.53/24");
        Assert.That(probing.Wait(TimeSpan.FromSeconds(5)), "probing while CreateEndpoint has answered");
        var join = Task.Run(() => _state.Driver.Join("net1", "e1"));
        Assert.That(join.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "the Join waits for the probe's answer");
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }), "nothing plugged before the answer");
        answer.Set();

        Assert.That(() => join.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(_state.Links.Probes, Has.Count.EqualTo(1), "the Join took the probe's answer, no second probe");
        Assert.That(Ports("vlan2000"), Has.Exactly(2).Items);
        Assert.That(_state.Duplicates.Pending, Is.Zero);
    }

    [Test]
    public void A_second_Join_of_the_endpoint_probes_again()
    {
        CreateNetwork("net1");
        CreateEndpoint("net1", "e1", "10.30.1.54/24");
        _state.Driver.Join("net1", "e1");
        _state.Links.Holders[IPAddress.Parse("10.30.1.54")] = Router;

        Assert.Throws<UserError>(() => _state.Driver.Join("net1", "e1"), "a station that took the address since");
        Assert.That(_state.Links.Probes, Has.Count.EqualTo(2));
    }

    [Test]
    public void A_probe_whose_endpoint_is_deleted_before_its_Join_is_cancelled_and_leaves_nothing()
    {
        CreateNetwork("net1");
        using var probing = new ManualResetEventSlim();
        using var stopped = new ManualResetEventSlim();
        _state.Links.DuringProbe = cancel =>
        {
            probing.Set();
            if (cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(10))) stopped.Set();
        };
        CreateEndpoint("net1", "e1", "10.30.1.55/24");
        Assert.That(probing.Wait(TimeSpan.FromSeconds(5)));

        _state.Driver.DeleteEndpoint("net1", "e1");

        Assert.That(stopped.Wait(TimeSpan.FromSeconds(5)), "the probe was told to stop");
        Assert.That(_state.Duplicates.Pending, Is.Zero);
        Assert.That(Ports("vlan2000"), Is.EqualTo(new[] { "eno1.2000" }));
        Assert.Throws<UserError>(() => _state.Driver.Join("net1", "e1"), "no endpoint to join");
        Assert.That(_state.Links.Probes, Has.Count.EqualTo(1), "the refused Join probed nothing");
    }

    [Test]
    public void Deleting_the_network_cancels_its_endpoints_probes()
    {
        CreateNetwork("net1");
        using var stopped = new CountdownEvent(2);
        _state.Links.DuringProbe = cancel =>
        {
            if (cancel.WaitHandle.WaitOne(TimeSpan.FromSeconds(10))) stopped.Signal();
        };
        CreateEndpoint("net1", "e1", "10.30.1.56/24");
        CreateEndpoint("net1", "e2", "10.30.1.57/24");

        _state.Driver.DeleteNetwork("net1");

        Assert.That(stopped.Wait(TimeSpan.FromSeconds(5)), "both probes were told to stop");
        Assert.That(_state.Duplicates.Pending, Is.Zero);
    }
}
