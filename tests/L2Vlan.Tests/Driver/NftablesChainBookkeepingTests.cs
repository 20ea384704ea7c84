using L2Vlan.Driver;
using L2Vlan.Policy;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// The rule in the administrator's nftables chain: recorded with the bridge before it goes in, removed from the
/// recorded chain with the bridge's last network, whatever the policy says by then.
/// </summary>
public class NftablesChainBookkeepingTests
{
    private const string Filter = "inet filter forward";
    private const string HostFw = "inet hostfw forward";
    private static readonly string[] AdminRules = ["ct state established,related accept"];

    private TestState _state = null!;

    [SetUp]
    public void SetUp()
    {
        _state = TestState.WithNics("eno1");
        _state.Nft.AddChain(Filter, AdminRules);
        _state.Nft.AddChain(HostFw, AdminRules);
    }

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static NetworkSpec Network(string id, int vlan) =>
        new(id, new Dictionary<string, string> { ["vlan_id"] = $"{vlan}", ["ext_if"] = "eno1" }, false, [], []);

    private void UseChain(string? chain) =>
        _state.Policy.Set(PolicyFile.Parse(chain is null ? "" : $"nftables_chain = {chain}\n", _state.Policy.Path));

    private BridgeRecord? RecordOnDisk(string bridge) =>
        _state.Bridges.Peek().Select(b => b.Value).SingleOrDefault(b => b.Name == bridge);

    private static string Rule(string bridge) =>
        $"iifname \"{bridge}\" oifname \"{bridge}\" accept comment \"l2vlan bridge {bridge}\"";

    [Test]
    public void Without_the_setting_nft_is_never_run()
    {
        _state.Driver.CreateNetwork(Network("net1", 2000));
        _state.Driver.DeleteNetwork("net1");
        Assert.That(_state.Nft.Calls, Is.Empty);
        Assert.That(_state.Firewall.Allows, Is.EqualTo(1), "the iptables rule as ever");
    }

    [Test]
    public void The_chain_is_on_disk_before_the_rule_goes_in_and_the_rule_goes_with_the_last_network()
    {
        UseChain(Filter);
        string? recorded = null;
        _state.Nft.BeforeInsert = _ => recorded = RecordOnDisk("vlan2000")?.NftablesChain;
        _state.Driver.CreateNetwork(Network("net1", 2000));
        _state.Driver.CreateNetwork(Network("net2", 2000));
        Assert.That(recorded, Is.EqualTo(Filter), "a kill right after the insert leaves a rule that a record knows of");
        Assert.That(_state.Nft.Rules(Filter), Is.EqualTo(new[] { Rule("vlan2000") }.Concat(AdminRules)),
            "one rule per bridge");

        _state.Driver.DeleteNetwork("net1");
        Assert.That(_state.Nft.Rules(Filter), Has.Member(Rule("vlan2000")), "another network still uses the bridge");
        _state.Driver.DeleteNetwork("net2");
        Assert.That(_state.Nft.Rules(Filter), Is.EqualTo(AdminRules), "the admin's chain exactly as before");
        Assert.That(_state.Files("bridges"), Is.Empty);
    }

    [Test]
    public void A_changed_setting_moves_no_rule_new_bridges_use_the_new_chain()
    {
        UseChain(Filter);
        _state.Driver.CreateNetwork(Network("net1", 2000));
        UseChain(HostFw);
        _state.Driver.CreateNetwork(Network("net2", 2001));
        _state.Driver.CreateNetwork(Network("net1", 2000));   // a replay makes sure of the links, in the recorded chain
        Assert.That(_state.Nft.Rules(Filter), Is.EqualTo(new[] { Rule("vlan2000") }.Concat(AdminRules)));
        Assert.That(_state.Nft.Rules(HostFw), Is.EqualTo(new[] { Rule("vlan2001") }.Concat(AdminRules)));

        UseChain(null);
        _state.Driver.DeleteNetwork("net1");
        _state.Driver.DeleteNetwork("net2");
        Assert.That(_state.Nft.Rules(Filter), Is.EqualTo(AdminRules),
            "removed from where it was recorded, the setting unset since");
        Assert.That(_state.Nft.Rules(HostFw), Is.EqualTo(AdminRules));
    }

    [Test]
    public void Start_up_puts_a_recorded_rule_back_and_gives_older_bridges_one()
    {
        _state.Driver.CreateNetwork(Network("old", 2000));
        UseChain(Filter);
        _state.Driver.CreateNetwork(Network("new", 2001));
        // The admin's ruleset loaded again (nft -f /etc/nftables.conf flushes it): l2vlan's rules are gone.
        _state.Nft.AddChain(Filter, AdminRules);
        _state.Restart();
        Assert.That(_state.Nft.Rules(Filter),
            Is.EquivalentTo(new[] { Rule("vlan2000"), Rule("vlan2001") }.Concat(AdminRules)));
        Assert.That(RecordOnDisk("vlan2000")?.NftablesChain, Is.EqualTo(Filter),
            "the older bridge's rule is recorded too");

        _state.Firewall.Lists = true;
        var calls = _state.Nft.Calls.Count;
        _state.Restart();
        Assert.That(_state.Nft.Calls.Count - calls, Is.EqualTo(1), "all in place: one listing of the chain, no insert");
    }

    [Test]
    public void A_rule_that_cannot_be_removed_keeps_the_bridge_and_its_record()
    {
        UseChain(Filter);
        _state.Driver.CreateNetwork(Network("net1", 2000));
        _state.Nft.Fails = true;
        var error = Assert.Throws<InvalidOperationException>(() => _state.Driver.DeleteNetwork("net1"))!.Message;
        Assert.That(error,
            Does.Contain("bridge vlan2000 is kept until its nftables rule in inet filter forward is removed"));
        Assert.That(_state.Files("networks"), Is.Empty, "the network itself is gone");
        Assert.That(RecordOnDisk("vlan2000")?.NftablesChain, Is.EqualTo(Filter), "kept for the next start");
        _state.Nft.Fails = false;
        _state.Restart();
        Assert.That(_state.Files("bridges"), Is.Empty, "start-up finishes the removal");
        Assert.That(_state.Nft.Rules(Filter), Is.EqualTo(AdminRules));
    }

    [Test]
    public void A_missing_chain_fails_the_create_and_leaves_nothing()
    {
        UseChain("inet nosuch forward");
        var message = Assert.Throws<InvalidOperationException>(
            () => _state.Driver.CreateNetwork(Network("net1", 2000)))!.Message;
        Assert.That(message,
            Does.Contain("nftables_chain inet nosuch forward: nft could not list the chain (no such table or chain)"));
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Files("networks"), Is.Empty);
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Null);
    }

    [Test]
    public void A_bridge_file_of_an_earlier_release_reads_and_the_new_field_is_written_only_when_set()
    {
        var folder = Path.Combine(_state.Directory, "bridges");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "vlan7.json"), """
            {
              "Name": "vlan7",
              "ExtIf": "eno1",
              "VlanId": 7,
              "VlanLink": "eno1.7",
              "CreatedBridge": true,
              "CreatedVlanLink": true,
              "FirewallAccept": true
            }
            """);
        var read = _state.Bridges.Peek().Single().Value;
        Assert.That(read.NftablesChain, Is.Null);
        _state.Bridges.Save("vlan7", read);
        Assert.That(File.ReadAllText(Path.Combine(folder, "vlan7.json")), Does.Not.Contain("Nftables"),
            "an earlier release reads it as it was");
        read.NftablesChain = Filter;
        _state.Bridges.Save("vlan7", read);
        Assert.That(_state.Bridges.Peek().Single().Value.NftablesChain, Is.EqualTo(Filter));
    }
}
