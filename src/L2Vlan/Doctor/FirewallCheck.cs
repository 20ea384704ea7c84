namespace L2Vlan.Doctor;

/// <summary>
/// Every bridge has l2vlan's accept rule, and no such rule is left without a bridge record; said against what
/// br_netfilter and the FORWARD policy would do to bridged frames without the rule.
/// </summary>
public static class FirewallCheck
{
    public const string Name = "firewall";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state) yield break;
        var why = Consequence(facts);
        if (facts.AcceptedBridges is not { } accepted)
        {
            if (state.Bridges.Count > 0)
            {
                yield return facts.BridgeNetfilter == true
                    ? Finding.Problem(Name, $"iptables could not be read ({facts.FirewallError ?? "unknown error"})",
                        why, null)
                    : Finding.Good(Name, $"iptables could not be read ({facts.FirewallError ?? "unknown error"}); " +
                        $"{why}");
            }

            yield break;
        }
        yield return Finding.Good(Name, why);
        foreach (var bridge in state.Bridges)
        {
            yield return accepted.Contains(bridge.Name)
                ? Finding.Good(Name, $"bridge {bridge.Name} has its accept rule")
                : Finding.Problem(Name, $"bridge {bridge.Name} has no accept rule in iptables' FORWARD chain", why,
                    "systemctl restart l2vlan");
        }
        foreach (var stray in accepted.Where(b => state.Bridges.All(r => r.Name != b)).Order(StringComparer.Ordinal))
        {
            yield return Finding.Problem(Name, $"an accept rule for bridge {stray} looks like l2vlan's but l2vlan " +
                $"has no record of that bridge",
                "l2vlan never removes a rule it has no record of; it lets through whatever is bridged on that name",
                $"iptables -D FORWARD -i {stray} -o {stray} -m comment --comment \"l2vlan bridge {stray}\" -j ACCEPT");
        }
    }

    private static string Consequence(DoctorFacts facts) => (facts.BridgeNetfilter, facts.ForwardPolicy) switch
    {
        (true, "DROP") => "br_netfilter passes bridged frames through iptables and the FORWARD policy is DROP: " +
            "without its accept rule, a bridge drops every frame between its containers and the VLAN",
        (true, _) => $"br_netfilter passes bridged frames through iptables; the FORWARD policy is " +
            $"{facts.ForwardPolicy ?? "unknown"} now, but Docker sets it to DROP, and then a bridge without its " +
                $"accept rule drops every frame",
        (false, _) => "br_netfilter does not pass bridged frames to iptables now (bridge-nf-call-iptables=0); Docker " +
            "turns that on, and then a bridge without its accept rule drops every frame",
        _ => "br_netfilter is not loaded, so bridged frames bypass iptables now; Docker loads it, and then a bridge " +
            "without its accept rule drops every frame",
    };
}
