using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// Calls on the driver and the IPAM from several threads at once, with the firewall held in the middle of making a
/// bridge: calls on that bridge wait for it, calls on another bridge and on the IPAM do not.
/// </summary>
public class ConcurrentCallsTests
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);
    private static readonly SubnetRecord Subnet = new(Cidr.ParseNetwork("192.168.1.0/24", "subnet"), null);

    private TestState _state = null!;
    private readonly ManualResetEventSlim _firewallFree = new(true);
    private readonly ManualResetEventSlim _firewallEntered = new(false);
    private int _holdNext;

    [SetUp]
    public void SetUp()
    {
        _state = TestState.WithNics("eno1", "eth1");
        // Holds the one call that comes first after HoldInFirewall; any other goes through.
        _state.Firewall.BeforeAllow = _ =>
        {
            if (Interlocked.Exchange(ref _holdNext, 0) == 0) return;
            _firewallEntered.Set();
            _firewallFree.Wait();
        };
    }

    [TearDown]
    public void TearDown()
    {
        _firewallFree.Set();
        _state.Dispose();
    }

    private static NetworkSpec Network(string id, string nic = "eno1", int vlan = 2000, string bridge = "vlan2000") =>
        new(id, new Dictionary<string, string> { ["vlan_id"] = $"{vlan}", ["ext_if"] = nic, ["bridge_name"] = bridge },
            false, [Subnet], []);

    /// <summary>Starts <paramref name="create"/> and returns once it is inside the firewall, which holds it until
    /// released.</summary>
    private Task HoldInFirewall(Action create)
    {
        _firewallFree.Reset();
        _firewallEntered.Reset();
        _holdNext = 1;
        var held = OnOwnThread(create);
        Assert.That(_firewallEntered.Wait(Quick), Is.True, "the call reached the firewall");
        return held;
    }

    /// <summary>A thread of its own: the pool's threads may be slow to come on a loaded machine, and a wait must not
    /// pass for that.</summary>
    private static Task OnOwnThread(Action action) => Task.Factory.StartNew(action, TaskCreationOptions.LongRunning);

    [Test]
    public void Two_creates_on_one_bridge_at_once_make_one_bridge_and_record_both_networks()
    {
        var first = HoldInFirewall(() => _state.Driver.CreateNetwork(Network("net1")));
        var second = OnOwnThread(() => _state.Driver.CreateNetwork(Network("net2")));

        Assert.That(second.Wait(500), Is.False, "the second create waits while the bridge is being made");
        _firewallFree.Set();
        Assert.That(Task.WaitAll([first, second], Quick), Is.True);

        Assert.That(_state.Driver.Bridges.Select(b => b.Name), Is.EqualTo(new[] { "vlan2000" }));
        Assert.That(_state.Files("bridges"), Is.EqualTo(new[] { "vlan2000.json" }));
        Assert.That(_state.Driver.Networks.Select(n => n.NetworkId), Is.EquivalentTo(new[] { "net1", "net2" }));
        Assert.That(_state.Links.ListLinks().Count(l => l.Kind == "bridge"), Is.EqualTo(1));
    }

    [Test]
    public void A_delete_racing_a_create_on_the_same_bridge_leaves_the_bridge_to_the_new_network()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        var create = HoldInFirewall(() => _state.Driver.CreateNetwork(Network("net2")));
        var delete = OnOwnThread(() => _state.Driver.DeleteNetwork("net1"));

        Assert.That(delete.Wait(500), Is.False, "the delete waits for the bridge, which the create holds");
        _firewallFree.Set();
        Assert.That(Task.WaitAll([create, delete], Quick), Is.True);

        Assert.That(_state.Driver.Networks.Select(n => n.NetworkId), Is.EqualTo(new[] { "net2" }));
        Assert.That(_state.Driver.Bridges.Select(b => b.Name), Is.EqualTo(new[] { "vlan2000" }),
            "the bridge record stays with net2 on it");
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null, "and so do its links");
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Not.Null);
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"), "and its rule");
    }

    [Test]
    public void A_bridge_held_in_the_firewall_holds_up_neither_another_bridge_nor_the_IPAM()
    {
        var stuck = HoldInFirewall(() => _state.Driver.CreateNetwork(Network("net1")));

        var others = OnOwnThread(() =>
        {
            _state.Driver.CreateNetwork(Network("net2", "eth1", 3000, "vlan3000"));
            var pool = _state.IpamService.RequestPool(Subnet.Subnet, null, v6: false);
            var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
            _state.Driver.CreateEndpoint("net2", "ep1", address, null, null);
            _state.Driver.Join("net2", "ep1");
            _state.Driver.DeleteEndpoint("net2", "ep1");
            _state.IpamService.ReleaseAddress(pool, address.Address);
        });

        Assert.That(others.Wait(Quick), Is.True, "calls on vlan3000 and the IPAM ran while vlan2000 was in the " +
            "firewall");
        Assert.That(stuck.IsCompleted, Is.False);
        _firewallFree.Set();
        Assert.That(stuck.Wait(Quick), Is.True);
    }

    [Test]
    public void Named_locks_exclude_one_name_only_and_are_dropped_when_free()
    {
        var locks = new KeyedLocks();
        var a = locks.Take("a");
        Assert.That(OnOwnThread(() => locks.Take("b").Dispose()).Wait(Quick), Is.True, "another name is free");
        var second = OnOwnThread(() => locks.Take("a").Dispose());
        Assert.That(second.Wait(500), Is.False, "the same name waits");
        a.Dispose();
        Assert.That(second.Wait(Quick), Is.True);
        Assert.That(locks.Count, Is.Zero, "no lock is kept for a name nobody holds");
    }
}
