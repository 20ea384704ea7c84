using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// A link event that has a bridge re-made waits on the firewall (iptables, up to its time limit) under that bridge's
/// lock; calls on other bridges go on meanwhile, ReleaseAddress among them, which visits the networks of the
/// address's subnet.
/// </summary>
public class RestoreLockScopeTests : StateOnEno1
{
    private readonly ManualResetEventSlim _firewallEntered = new();
    private readonly ManualResetEventSlim _firewallGate = new();

    private static readonly Cidr Subnet = Cidr.ParseNetwork("10.60.0.0/24", "subnet");

    [TearDown]
    public void TearDown()
    {
        _firewallGate.Set();
    }

    private static NetworkSpec Network(string id, int vlanId, string bridge) => new(
        id,
        new Dictionary<string, string>
        {
            ["vlan_id"] = vlanId.ToString(),
            ["ext_if"] = "eno1",
            ["bridge_name"] = bridge,
        },
        false,
        [new SubnetRecord(Subnet, new InterfaceAddress(IPAddress.Parse("10.60.0.1"), 24))],
        []);

    [Test]
    public void ReleaseAddress_on_another_bridge_is_not_stalled_while_a_restore_waits_for_the_firewall()
    {
        // Two networks of one subnet on two bridges; on the second, a container's endpoint deleted, its address not yet
        // released.
        var pool = _state.IpamService.RequestPool(Subnet, null, v6: false);
        _state.IpamService.RequestPool(Subnet, null, v6: false);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse("10.60.0.1"), gateway: true);
        _state.Driver.CreateNetwork(Network("onA", 2061, "vlanA"));
        _state.Driver.CreateNetwork(Network("onB", 2062, "vlanB"));
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.Driver.CreateEndpoint("onA", "a1", _state.IpamService.RequestAddress(pool, null, gateway: false), null,
            null);
        _state.Driver.CreateEndpoint("onB", "b1", address, null, null);
        _state.Driver.Join("onB", "b1");
        _state.Driver.DeleteEndpoint("onB", "b1");

        // Bridge vlanA goes; the link event re-makes it, and its firewall call hangs until the gate opens.
        _state.Links.DeleteLink("eno1.2061");
        _state.Links.DeleteLink("vlanA");
        _state.Firewall.Accepted.Remove("vlanA");
        _state.Firewall.BeforeAllow = bridge =>
        {
            if (bridge != "vlanA") return;
            _firewallEntered.Set();
            _firewallGate.Wait();
        };
        var restore = Task.Run(() => _state.Recovery.RestoreLinksOf("vlanA"));
        Assert.That(_firewallEntered.Wait(TimeSpan.FromSeconds(10)), Is.True, "the restore calls the firewall");

        var release = Task.Run(() => _state.IpamService.ReleaseAddress(pool, address.Address));
        Assert.That(release.Wait(TimeSpan.FromSeconds(5)), Is.True,
            "ReleaseAddress finished while the firewall call on vlanA ran");
        Assert.That(_state.Driver.Endpoint("onB", "b1"), Is.Null,
            "the deleted endpoint is forgotten once its address is released");

        _firewallGate.Set();
        Assert.That(restore.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(_state.Links.FindLink("vlanA"), Is.Not.Null, "the bridge is made again");
    }
}
