using L2Vlan.Firewall;

namespace L2Vlan.Tests.Firewall;

/// <summary>
/// Which base chains on the forward hook drop a bridge's traffic, read from rulesets recorded with
/// <c>nft -j list ruleset</c>: an administrator's table that accepts established connections only, one that accepts
/// the bridge, one without a forward chain, the nftables wiki's style (a verdict map, jumps, a final reject), the
/// bridge family, and Docker's tables beside such an administrator's table and beside firewalld's, as they were on
/// Debian 13 with Docker 28.5 and firewalld 2.3.1.
/// </summary>
public class ForwardHookVerdictTests
{
    private static readonly BridgeNetfilter Loaded = new(true, true);

    private static IReadOnlyList<DroppingChain> Dropping(
        string ruleset, string bridge, BridgeNetfilter? netfilter = null) =>
        ForwardHookVerdict.DroppingChains(RecordedRuleset.Parse(ruleset), bridge, netfilter ?? Loaded);

    [Test]
    public void A_policy_drop_that_accepts_only_established_connections_drops_a_new_one_and_the_fix_accepts_the_bridge()
    {
        var chain = Dropping("established", "vlan2000").Single();
        Assert.That(chain.Spec, Is.EqualTo("inet hostfw forward"));
        Assert.That(chain.Cause, Is.EqualTo("its policy drop"));
        Assert.That(chain.Fix("vlan2000"),
            Is.EqualTo("nft insert rule inet hostfw forward iifname \"vlan2000\" oifname \"vlan2000\" accept"));
    }

    [Test]
    public void A_bare_policy_drop_and_a_chain_that_ends_in_drop_are_found_each_in_its_own_family()
    {
        var ip = Dropping("policy-drop", "vlan2000").Single();
        Assert.That((ip.Spec, ip.Cause), Is.EqualTo(("ip hostfw forward", "its policy drop")));
        var ip6 = Dropping("ends-in-drop", "vlan2000").Single();
        Assert.That((ip6.Spec, ip6.Cause),
            Is.EqualTo(("ip6 hostfw6 forward", "the rule with handle 3 in forward, which ends in drop")));
        // br_netfilter passes IPv4 but not IPv6 to the hooks: the ip6 chain never sees the bridge's frames.
        Assert.That(Dropping("ends-in-drop", "vlan2000", new BridgeNetfilter(true, false)), Is.Empty);
    }

    [Test]
    public void An_accept_for_the_bridge_lets_it_through_and_only_that_bridge()
    {
        Assert.That(Dropping("accepted", "vlan2000"), Is.Empty);
        Assert.That(Dropping("accepted", "vlan2001").Select(c => c.Spec), Is.EqualTo(new[] { "inet hostfw forward" }));
    }

    [Test]
    public void A_ruleset_without_a_forward_chain_drops_nothing_forwarded()
    {
        Assert.That(Dropping("no-forward-chain", "vlan2000"), Is.Empty);
    }

    [Test]
    public void A_verdict_map_jumps_and_wildcards_are_followed_and_a_final_reject_is_named()
    {
        // from_bridges accepts "vlan*" to "vlan*"; the saddr accept is not judged and does not count for the bridge.
        Assert.That(Dropping("jump-vmap-reject", "vlan2000"), Is.Empty);
        var chain = Dropping("jump-vmap-reject", "br-lab").Single();
        Assert.That(chain.Spec, Is.EqualTo("inet filter forward"));
        Assert.That(chain.Cause, Is.EqualTo("the rule with handle 10 in forward, which ends in reject"));
    }

    [Test]
    public void The_bridge_family_drops_whatever_br_netfilter_does_and_its_fix_names_the_bridge_as_ibrname()
    {
        foreach (var netfilter in new[] { Loaded, new BridgeNetfilter(false, false) })
        {
            var chain = Dropping("bridge-family", "vlan2000", netfilter).Single();
            Assert.That(chain.Fix("vlan2000"),
                Is.EqualTo("nft insert rule bridge filter forward meta ibrname \"vlan2000\" accept"));
        }
    }

    [Test]
    public void Beside_Docker_s_own_tables_only_the_administrator_s_chain_is_named_and_the_fix_clears_it()
    {
        // iptables' FORWARD (policy drop, l2vlan's rule for vlan2000 only) is the iptables check's to judge.
        foreach (var bridge in new[] { "vlan2000", "vlan2010" })
        {
            Assert.That(Dropping("docker28-hostfw", bridge).Select(c => c.Spec),
                Is.EqualTo(new[] { "inet hostfw forward" }));
        }
        Assert.That(Dropping("docker28-hostfw-fixed", "vlan2010"), Is.Empty);
        Assert.That(Dropping("docker28-hostfw-fixed", "vlan2000"), Has.Count.EqualTo(1));
    }

    [Test]
    public void Firewalld_s_forward_chain_rejects_a_bridge_in_no_zone_and_lets_the_trusted_zone_s_through()
    {
        var chain = Dropping("docker28-firewalld", "vlan2010").Single();
        Assert.That(chain.Spec, Is.EqualTo("inet firewalld filter_FORWARD"));
        Assert.That(chain.Cause,
            Is.EqualTo("the rule with handle 193 in filter_FORWARD_POLICIES, which ends in reject"));
        Assert.That(chain.Fix("vlan2010"),
            Is.EqualTo("firewall-cmd --permanent --zone=trusted --add-interface=vlan2010 && firewall-cmd --reload"));
        // Recorded after firewall-cmd put vlan2000 in the trusted zone.
        Assert.That(Dropping("docker28-firewalld-trusted", "vlan2000"), Is.Empty);
        Assert.That(Dropping("docker28-firewalld-trusted", "vlan2010"), Has.Count.EqualTo(1));
    }

    [Test]
    public void Without_br_netfilter_passing_bridged_frames_an_inet_chain_sees_none_of_them()
    {
        Assert.That(Dropping("established", "vlan2000", new BridgeNetfilter(false, false)), Is.Empty);
        Assert.That(Dropping("established", "vlan2000", new BridgeNetfilter(null, null)), Has.Count.EqualTo(1),
            "br_netfilter not loaded yet: judged as Docker will load it");
    }
}
