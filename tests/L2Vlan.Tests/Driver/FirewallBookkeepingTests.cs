using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>The accept rule and the bridge's record: recorded before it goes in, forgotten only once it is
/// gone.</summary>
public class FirewallBookkeepingTests : StateOnEno1
{
    private static NetworkSpec Network(string id) => Networks.Vlan2000(id);

    private BridgeRecord? RecordOnDisk(string bridge) => _state.Bridges.Peek().Select(b => b.Value)
        .SingleOrDefault(b => b.Name == bridge);

    [Test]
    public void A_firewall_that_timed_out_is_not_asked_again_to_clean_up_the_failed_create()
    {
        _state.Firewall.BeforeAllow = bridge => throw new FirewallTimeoutException($"iptables could not add the " +
            $"accept rule for bridge {bridge} (no answer within 8 s, killed)");
        Assert.Throws<FirewallTimeoutException>(() => _state.Driver.CreateNetwork(Network("net1")));
        Assert.That(_state.Firewall.Removals, Is.Zero, "the caller gets its error after one time limit, not two");
        Assert.That(RecordOnDisk("vlan2000")?.FirewallAccept, Is.True,
            "the record stays, for the next delete or start to remove");
        Assert.That(_state.Driver.Networks, Is.Empty);

        _state.Firewall.BeforeAllow = null;
        _state.Restart();
        Assert.That(RecordOnDisk("vlan2000"), Is.Null, "start-up removes the bridge no network uses");
    }

    [Test]
    public void The_rule_is_on_disk_in_the_bridge_record_before_it_is_inserted()
    {
        bool? recorded = null;
        _state.Firewall.BeforeAllow = bridge => recorded = RecordOnDisk(bridge)?.FirewallAccept;
        _state.Driver.CreateNetwork(Network("net1"));
        Assert.That(recorded, Is.True, "a kill right after the insert leaves a rule that a record knows of");
    }

    [Test]
    public void A_kill_between_record_and_insert_leaves_a_record_that_start_up_finishes()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Firewall.Accepted.Clear();            // the rule never went in (or is gone after a reboot)
        _state.Restart();
        Assert.That(_state.Firewall.Accepted, Is.EquivalentTo(new[] { "vlan2000" }),
            "a recorded rule that is missing goes in again");

        _state.Firewall.Accepted.Clear();
        Assert.DoesNotThrow(() => _state.Driver.DeleteNetwork("net1"),
            "a recorded rule that is already gone is removed");
        Assert.That(_state.Files("bridges"), Is.Empty);
    }

    [Test]
    public void A_failed_removal_keeps_the_bridge_and_its_record_and_the_next_start_finishes_it()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Firewall.RemovalFails = true;

        var error = Assert.Throws<InvalidOperationException>(() => _state.Driver.DeleteNetwork("net1"));
        Assert.That(error!.Message, Does.Contain("vlan2000").And.Contain("iptables"));
        Assert.That(_state.Files("networks"), Is.Empty, "the network itself is gone");
        Assert.That(RecordOnDisk("vlan2000")?.FirewallAccept, Is.True);
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"));
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null, "nothing is taken down while the rule stays");

        _state.Restart();                            // still failing: still kept, and the service starts
        Assert.That(_state.Files("bridges"), Is.EqualTo(new[] { "vlan2000.json" }));

        _state.Firewall.RemovalFails = false;
        _state.Restart();
        Assert.That(_state.Firewall.Accepted, Is.Empty);
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null);
        Assert.That(_state.Files("bridges"), Is.Empty);
    }

    [Test]
    public void A_bridge_kept_by_a_failed_removal_serves_the_next_network_and_goes_with_it()
    {
        _state.Driver.CreateNetwork(Network("net1"));
        _state.Firewall.RemovalFails = true;
        Assert.Throws<InvalidOperationException>(() => _state.Driver.DeleteNetwork("net1"));

        _state.Firewall.RemovalFails = false;
        _state.Driver.CreateNetwork(Network("net2"));
        _state.Driver.DeleteNetwork("net2");
        Assert.That(_state.Firewall.Accepted, Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
    }

    [Test]
    public void A_create_that_fails_reports_its_own_error_even_when_the_clean_up_fails_too()
    {
        _state.Firewall.BeforeAllow = bridge => throw new InvalidOperationException($"iptables could not add the " +
            $"accept rule for bridge {bridge} (exit 4)");
        _state.Firewall.RemovalFails = true;
        var error = Assert.Throws<InvalidOperationException>(() => _state.Driver.CreateNetwork(Network("net1")));
        Assert.That(error!.Message, Does.Contain("could not add"));
        Assert.That(RecordOnDisk("vlan2000")?.FirewallAccept, Is.True, "kept for the next start to finish");
        Assert.That(_state.Files("networks"), Is.Empty);
    }
}
