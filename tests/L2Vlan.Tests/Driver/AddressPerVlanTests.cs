using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// On one VLAN of a host an address is used by one endpoint, across all the networks that share the VLAN's bridge and
/// whichever IPAM granted the address (l2vlan's, or Docker's default, which l2vlan never hears of): a second endpoint
/// is refused, naming the holder, until the holder is deleted. It holds across a restart and under concurrent calls.
/// </summary>
public class AddressPerVlanTests : StateOnEno1
{
    // Docker's IDs are 64 hex digits; the error gives the first 12, as docker's CLI shows them.
    private static readonly string Net1 = new('1', 64);
    private static readonly string Net2 = new('2', 64);
    private static readonly string Endpoint1 = "e1" + new string('a', 62);

    private static NetworkSpec Network(string id, int vlanId = 3001) => new(
        id,
        new Dictionary<string, string> { ["vlan_id"] = vlanId.ToString(), ["ext_if"] = "eno1" },
        false,
        [
            new SubnetRecord(Cidr.ParseNetwork("10.30.1.0/24", "subnet"),
                new InterfaceAddress(IPAddress.Parse("10.30.1.1"), 24)),
            new SubnetRecord(Cidr.ParseNetwork("2001:db8:30::/64", "subnet"),
                new InterfaceAddress(IPAddress.Parse("2001:db8:30::1"), 64)),
        ],
        []);

    private static InterfaceAddress Address(string text) => InterfaceAddress.TryParse(text, out var a) ? a
        : throw new ArgumentException(text);

    private void Endpoint(string network, string endpoint, string? v4 = "10.30.1.10/24", string? v6 = null) =>
        _state.Driver.CreateEndpoint(network, endpoint, v4 is null ? null : Address(v4), v6 is null ? null
            : Address(v6), null);

    private void TwoNetworksOfOneVlan()
    {
        _state.Driver.CreateNetwork(Network(Net1));
        _state.Driver.CreateNetwork(Network(Net2));
        Endpoint(Net1, Endpoint1);
        _state.Driver.Join(Net1, Endpoint1);
    }

    private void AssertRefused(string network, string endpoint, string? v4 = "10.30.1.10/24", string? v6 = null,
        string address = "10.30.1.10")
    {
        var linksBefore = _state.Links.ListLinks();
        var error = Assert.Throws<UserError>(() => Endpoint(network, endpoint, v4, v6));
        Assert.That(error!.Message, Does.Contain($"address {address} is already used on VLAN 3001 (vlan3001)")
            .And.Contain($"endpoint {Endpoint1[..12]} of l2vlan network {Net1[..12]}"));
        Assert.That(error.Message, Does.Not.Contain(Endpoint1).And.Not.Contain(_state.Directory), "short IDs, no path");
        Assert.That(_state.Driver.Networks.Single(n => n.NetworkId == network).Endpoints.ContainsKey(endpoint),
            Is.False, "nothing recorded");
        Assert.That(File.ReadAllText(_state.Networks.PathOf(network)), Does.Not.Contain(endpoint), "nor written");
        Assert.That(_state.Links.ListLinks(), Is.EqualTo(linksBefore), "nor made");
    }

    [Test]
    public void A_second_endpoint_on_another_network_of_the_vlan_is_refused_the_address_naming_its_holder()
    {
        TwoNetworksOfOneVlan();
        AssertRefused(Net2, "e2");
    }

    [Test]
    public void An_ipv6_address_is_one_endpoints_too()
    {
        _state.Driver.CreateNetwork(Network(Net1));
        _state.Driver.CreateNetwork(Network(Net2));
        Endpoint(Net1, Endpoint1, "10.30.1.10/24", "2001:db8:30::10/64");
        AssertRefused(Net2, "e2", "10.30.1.11/24", "2001:db8:30::10/64", address: "2001:db8:30::10");
        Assert.DoesNotThrow(() => Endpoint(Net2, "e3", "10.30.1.11/24", "2001:db8:30::11/64"),
            "nothing of the refused endpoint was kept");
    }

    [Test]
    public void The_address_is_free_once_its_endpoint_is_deleted()
    {
        TwoNetworksOfOneVlan();
        _state.Driver.DeleteEndpoint(Net1, Endpoint1);
        Assert.DoesNotThrow(() => Endpoint(Net2, "e2"));
        Assert.DoesNotThrow(() => _state.Driver.Join(Net2, "e2"));
    }

    [Test]
    public void The_address_is_free_once_its_network_is_deleted()
    {
        TwoNetworksOfOneVlan();
        _state.Driver.DeleteEndpoint(Net1, Endpoint1);
        Endpoint(Net1, "e3");
        _state.Driver.DeleteNetwork(Net1);
        Assert.DoesNotThrow(() => Endpoint(Net2, "e2"));
    }

    [Test]
    public void The_address_is_free_once_a_new_dockerd_re_creates_the_holders_network()
    {
        TwoNetworksOfOneVlan();
        _state.Driver.CreateNetwork(Network(Net1));   // the sign of a dockerd that died: its endpoints are gone
        Assert.DoesNotThrow(() => Endpoint(Net2, "e2"));
    }

    [Test]
    public void The_holder_is_known_again_after_a_restart_from_the_records()
    {
        TwoNetworksOfOneVlan();
        _state.Restart();
        AssertRefused(Net2, "e2");
        _state.Driver.DeleteEndpoint(Net1, Endpoint1);
        _state.Restart();
        Assert.DoesNotThrow(() => Endpoint(Net2, "e2"), "a deleted endpoint whose address Docker has yet to release " +
            "holds nothing");
    }

    [Test]
    public void Another_vlan_may_use_the_same_address_and_a_replay_of_the_holder_is_no_conflict()
    {
        TwoNetworksOfOneVlan();
        _state.Driver.CreateNetwork(Network("net3", vlanId: 3002));
        Assert.DoesNotThrow(() => Endpoint("net3", "e3"));
        Assert.That(_state.Driver.CreateEndpoint(Net1, Endpoint1, Address("10.30.1.10/24"), null, null).Known, Is.True);
    }

    [Test]
    public void Two_endpoints_that_race_for_one_address_on_two_networks_of_one_vlan_get_it_once()
    {
        _state.Driver.CreateNetwork(Network(Net1));
        _state.Driver.CreateNetwork(Network(Net2));
        const int Rounds = 200;
        var winners = new int[Rounds];
        var refusals = new int[Rounds];
        using var start = new Barrier(2);
        var racers = new[] { Net1, Net2 }.Select(network => new Thread(() =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                start.SignalAndWait();
                try
                {
                    Endpoint(network, $"r{round}-{network[0]}", $"10.30.1.{20 + round}/24");
                    Interlocked.Increment(ref winners[round]);
                }
                catch (UserError e) when (e.Message.Contains("is already used on VLAN 3001"))
                {
                    Interlocked.Increment(ref refusals[round]);
                }
            }
        })).ToList();
        racers.ForEach(t => t.Start());
        racers.ForEach(t => t.Join());

        Assert.That(winners, Is.All.EqualTo(1), "each address went to exactly one endpoint");
        Assert.That(refusals, Is.All.EqualTo(1));
        var recorded = _state.Driver.Networks.SelectMany(n => n.Endpoints.Values).Select(e => e.Address!.Value.Address)
            .ToList();
        Assert.That(recorded, Has.Count.EqualTo(Rounds).And.Unique);
    }
}
