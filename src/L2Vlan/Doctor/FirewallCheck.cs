namespace L2Vlan.Doctor;

/// <summary>
/// Every bridge has l2vlan's accept rule in iptables and in ip6tables, and no such rule is left without a bridge
/// record; said against what br_netfilter and the FORWARD policy would do to bridged frames without the rule.
/// </summary>
public static class FirewallCheck
{
    public const string Name = "firewall";

    /// <summary>What one front end (iptables or ip6tables) lists; whether br_netfilter passes frames to it.</summary>
    private sealed record FrontEnd(string Tool, IReadOnlySet<string>? Accepted, string? Policy, string? Error,
        bool? BridgeNetfilter, string Switch, bool BestEffort);

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state) yield break;
        FrontEnd[] frontEnds =
        [
            new("iptables", facts.AcceptedBridges, facts.ForwardPolicy, facts.FirewallError, facts.BridgeNetfilter,
                "bridge-nf-call-iptables", BestEffort: false),
            // l2vlan adds the IPv6 rule where it can: a host without IPv6 netfilter has nothing there to drop.
            new("ip6tables", facts.AcceptedBridges6, facts.ForwardPolicy6, facts.FirewallError6, facts.BridgeNetfilter6,
                "bridge-nf-call-ip6tables", BestEffort: true),
        ];
        foreach (var frontEnd in frontEnds.Where(f => f.Accepted is not null || f.Error is not null))
        {
            foreach (var finding in Run(frontEnd, state)) yield return finding;
        }
    }

    private static IEnumerable<Finding> Run(FrontEnd frontEnd, State.StateView state)
    {
        var why = Consequence(frontEnd);
        var tool = frontEnd.Tool;
        if (frontEnd.Accepted is not { } accepted)
        {
            if (state.Bridges.Count > 0)
            {
                var what = $"{tool} could not be read ({frontEnd.Error ?? "unknown error"})";
                yield return frontEnd.BridgeNetfilter == true && !frontEnd.BestEffort
                    ? Finding.Problem(Name, what, why, null)
                    : Finding.Good(Name, $"{what}; {why}");
            }

            yield break;
        }
        yield return Finding.Good(Name, why);
        foreach (var bridge in state.Bridges)
        {
            yield return accepted.Contains(bridge.Name)
                ? Finding.Good(Name, $"bridge {bridge.Name} has its accept rule in {tool}")
                : Finding.Problem(Name, $"bridge {bridge.Name} has no accept rule in {tool}' FORWARD chain", why,
                    "systemctl restart l2vlan");
        }
        foreach (var stray in accepted.Where(b => state.Bridges.All(r => r.Name != b)).Order(StringComparer.Ordinal))
        {
            yield return Finding.Problem(Name,
                $"an accept rule for bridge {stray} in {tool} looks like l2vlan's " +
                "but l2vlan has no record of that bridge",
                "l2vlan never removes a rule it has no record of; it lets through whatever is bridged on that name",
                $"{tool} -D FORWARD -i {stray} -o {stray} -m comment --comment \"l2vlan bridge {stray}\" -j ACCEPT");
        }
    }

    private static string Consequence(FrontEnd f) => (f.BridgeNetfilter, f.Policy) switch
    {
        (true, "DROP") => $"br_netfilter passes bridged frames through {f.Tool} and the FORWARD policy is DROP: " +
            "without its accept rule, a bridge drops every frame between its containers and the VLAN",
        (true, _) => $"br_netfilter passes bridged frames through {f.Tool}; the FORWARD policy is " +
            $"{f.Policy ?? "unknown"} now, but Docker sets it to DROP, and then a bridge without its accept rule " +
            "drops every frame",
        (false, _) => $"br_netfilter does not pass bridged frames to {f.Tool} now ({f.Switch}=0); Docker turns " +
            "that on, and then a bridge without its accept rule drops every frame",
        _ => $"br_netfilter is not loaded, so bridged frames bypass {f.Tool} now; Docker loads it, and then a bridge " +
            "without its accept rule drops every frame",
    };
}
