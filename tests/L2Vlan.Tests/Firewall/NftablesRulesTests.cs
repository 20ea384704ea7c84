using L2Vlan.Firewall;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Firewall;

/// <summary>
/// l2vlan's rule in the administrator's nftables chain, through a stand-in nft: added once, removed alone.
/// </summary>
public class NftablesRulesTests
{
    private const string Chain = "inet filter forward";
    private static readonly NftablesChain Forward = new("inet", "filter", "forward");
    // The administrator's own rules, one of them much like l2vlan's but without its comment.
    private static readonly string[] AdminRules =
    [
        "ct state established,related accept",
        "iifname \"vlan2000\" oifname \"vlan2000\" accept",
        "iifname \"vlan2000\" oifname \"vlan2000\" accept comment \"mine\"",
    ];

    private FakeNft _nft = null!;
    private NftablesRules _rules = null!;

    [SetUp]
    public void SetUp()
    {
        _nft = new FakeNft();
        _nft.AddChain(Chain, AdminRules);
        _rules = new NftablesRules(NullLogger.Instance, _nft.Run);
    }

    [Test]
    public void The_rule_goes_in_first_once_and_is_listed()
    {
        _rules.Allow(Forward, "vlan2000");
        _rules.Allow(Forward, "vlan2000");
        Assert.That(_nft.Rules(Chain), Is.EqualTo(new[]
        {
            "iifname \"vlan2000\" oifname \"vlan2000\" accept comment \"l2vlan bridge vlan2000\"",
        }.Concat(AdminRules)), "inserted at the top, before a drop the chain may end with; not twice");
        Assert.That(_rules.AllowedBridges(Forward), Is.EquivalentTo(new[] { "vlan2000" }));
    }

    [Test]
    public void Removal_takes_every_copy_of_l2vlans_rule_and_nothing_of_the_administrators()
    {
        _rules.Allow(Forward, "vlan2000");
        _rules.Allow(Forward, "vlan3000");
        // The same rule added again by hand.
        _nft.Run(["insert", "rule", "inet", "filter", "forward", NftablesRules.RuleText("vlan2000")]);
        _rules.Remove(Forward, "vlan2000");
        Assert.That(_nft.Rules(Chain), Is.EqualTo(new[] { NftablesRules.RuleText("vlan3000") }.Concat(AdminRules)));
        _rules.Remove(Forward, "vlan3000");
        Assert.That(_nft.Rules(Chain), Is.EqualTo(AdminRules));
        Assert.DoesNotThrow(() => _rules.Remove(Forward, "vlan3000"), "a rule already gone is fine");
    }

    [Test]
    public void A_chain_that_is_gone_holds_no_rule_to_remove()
    {
        _rules.Allow(Forward, "vlan2000");
        _nft.DropChain(Chain);
        Assert.DoesNotThrow(() => _rules.Remove(Forward, "vlan2000"));
        Assert.That(_rules.AllowedBridges(Forward), Is.Null);
    }

    [Test]
    public void A_missing_chain_refuses_the_rule_naming_the_setting()
    {
        var hostFw = new NftablesChain("inet", "hostfw", "forward");
        var message = Assert.Throws<InvalidOperationException>(() => _rules.Allow(hostFw, "vlan2000"))!.Message;
        Assert.That(message,
            Does.Contain("nftables_chain inet hostfw forward: nft could not list the chain (no such table or chain)"));
    }

    [Test]
    public void A_failing_nft_keeps_the_rule_recorded_by_throwing()
    {
        _rules.Allow(Forward, "vlan2000");
        _nft.Fails = true;
        Assert.Throws<InvalidOperationException>(() => _rules.Remove(Forward, "vlan2000"));
        _nft.Fails = false;
        Assert.That(_rules.AllowedBridges(Forward), Is.EquivalentTo(new[] { "vlan2000" }));
    }

    [Test]
    public void Only_plain_chains_of_the_forward_families_are_taken()
    {
        Assert.That(NftablesChain.TryParse("  inet   filter\tforward "), Is.EqualTo(Forward));
        Assert.That(NftablesChain.TryParse("ip6 my-table fwd_1"),
            Is.EqualTo(new NftablesChain("ip6", "my-table", "fwd_1")));
        string[] wrongs =
        [
            "bridge filter forward", "inet filter", "inet \"filter\" forward", "inet filter forward;drop",
            "inet 1x forward",
        ];
        foreach (var wrong in wrongs)
            Assert.That(NftablesChain.TryParse(wrong), Is.Null, wrong);
    }
}
