using System.Text.RegularExpressions;

namespace L2Vlan.Firewall;

/// <summary>What <c>iptables -S FORWARD</c> says that matters to l2vlan: the policy, and the bridges with l2vlan's accept rule.</summary>
public sealed partial record ForwardChain(string? Policy, IReadOnlySet<string> AcceptedBridges)
{
    public static ForwardChain Parse(string listing)
    {
        string? policy = null;
        var bridges = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("-P FORWARD ", StringComparison.Ordinal)) policy = line["-P FORWARD ".Length..].Trim();
            else if (line.Contains("-j ACCEPT", StringComparison.Ordinal) && Comment().Match(line) is { Success: true } m) bridges.Add(m.Groups[1].Value);
        }
        return new ForwardChain(policy, bridges);
    }

    // The comment IptablesFirewall gives its rule; iptables prints it quoted when it has spaces.
    [GeneratedRegex("""--comment "?l2vlan bridge ([^" ]+)"?""")]
    private static partial Regex Comment();
}
