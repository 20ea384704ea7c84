namespace L2Vlan.Firewall;

/// <summary>
/// What <c>iptables -S FORWARD</c> says that matters to l2vlan: the policy, and the bridges with l2vlan's accept rule.
/// Start-up (which rules to add again) and doctor (which are missing) read the listing here, so they agree on what
/// counts as the rule: exactly the one <see cref="IptablesFirewall"/> adds, not merely a rule with its comment.
/// </summary>
public sealed record ForwardChain(string? Policy, IReadOnlySet<string> AcceptedBridges)
{
    public static ForwardChain Parse(string listing)
    {
        string? policy = null;
        var bridges = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n', StringSplitOptions.TrimEntries
            | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("-P FORWARD ", StringComparison.Ordinal)) policy = line["-P FORWARD ".Length..].Trim();
            else if (BridgeOfRule(line) is { } bridge) bridges.Add(bridge);
        }
        return new ForwardChain(policy, bridges);
    }

    /// <summary>The bridge of a listed rule that is exactly l2vlan's, or null. iptables quotes the comment, which has
    /// spaces.</summary>
    private static string? BridgeOfRule(string line)
    {
        var parts = line.Split(' ');
        if (parts is not ["-A", "FORWARD", "-i", var bridge, "-o", var output, "-m", "comment", "--comment", var l2vlan,
            "bridge", var named, "-j", "ACCEPT"])
        {
            return null;
        }
        return output == bridge && l2vlan.Trim('"') == "l2vlan" && named.Trim('"') == bridge ? bridge : null;
    }
}
