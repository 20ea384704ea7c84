using Microsoft.Extensions.Logging;

namespace L2Vlan.Firewall;

/// <summary>
/// l2vlan's rules in the administrator's chain, through the <c>nft</c> tool. Each rule is
/// <c>iifname "B" oifname "B" accept comment "l2vlan bridge B"</c>: told apart from the administrator's own rules by
/// the whole of its text, comment included, and removed by the handle <c>nft -a</c> lists it with. Every call of the
/// tool is bounded in time, as iptables' are.
/// </summary>
public sealed class NftablesRules : INftablesRules
{
    /// <summary>Runs <c>nft</c> with these arguments; tests pass a stand-in.</summary>
    public delegate ToolRun Runner(IReadOnlyList<string> arguments);

    private const string HandleMark = " # handle ";
    // nft's answer for a table or chain that does not exist.
    private const string NoSuchChain = "No such file or directory";
    // A rule added again by hand is removed too, but removal never loops forever.
    private const int MostCopies = 8;

    private readonly ILogger _logger;
    private readonly Runner _run;

    public NftablesRules(ILogger<NftablesRules> logger)
        : this(logger, arguments => ToolRun.Of("nft", arguments, IptablesFirewall.CallTimeout))
    {
    }

    internal NftablesRules(ILogger logger, Runner run)
    {
        _logger = logger;
        _run = run;
    }

    /// <summary>
    /// The rule's text as <c>nft list</c> prints it, which is also what is given to <c>nft insert</c>.
    /// </summary>
    public static string RuleText(string bridge) =>
        $"iifname \"{bridge}\" oifname \"{bridge}\" accept comment \"l2vlan bridge {bridge}\"";

    public void Allow(NftablesChain chain, string bridge)
    {
        var listed = List(chain);
        if (listed.Status != 0)
        {
            throw Failure(listed, $"nftables_chain {chain}: nft could not list the chain ({Describe(listed)}); " +
                "create the chain, or change nftables_chain in /etc/l2vlan/l2vlan.conf");
        }
        if (Handles(listed.Output, bridge).Count > 0) return;
        var inserted = Call(["insert", "rule", chain.Family, chain.Table, chain.Chain, RuleText(bridge)]);
        if (inserted.Status != 0)
        {
            throw Failure(inserted,
                $"nftables_chain {chain}: nft could not add the accept rule for bridge {bridge} " +
                $"({Describe(inserted)})");
        }
        _logger.LogInformation("nft: accepting traffic bridged on {Bridge} in {Chain}", bridge, chain.ToString());
    }

    public void Remove(NftablesChain chain, string bridge)
    {
        for (var deleted = 0; ; deleted++)
        {
            var listed = List(chain);
            if (listed.Status != 0 && listed.Error.Contains(NoSuchChain, StringComparison.Ordinal)) return;
            if (listed.Status != 0)
            {
                throw Failure(listed,
                    $"nft could not list {chain} to remove the accept rule of bridge {bridge} ({Describe(listed)})");
            }
            var handles = Handles(listed.Output, bridge);
            if (handles.Count == 0) return;
            if (deleted == MostCopies)
            {
                throw new InvalidOperationException(
                    $"{chain} still has an accept rule for bridge {bridge} after {MostCopies} deletes");
            }
            var removed = Call(["delete", "rule", chain.Family, chain.Table, chain.Chain, "handle", handles[0]]);
            if (removed.Status != 0)
            {
                throw Failure(removed,
                    $"nft could not remove the accept rule of bridge {bridge} from {chain} ({Describe(removed)})");
            }
        }
    }

    public IReadOnlySet<string>? AllowedBridges(NftablesChain chain)
    {
        var listed = List(chain);
        if (listed.Status != 0) return null;
        var bridges = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in listed.Output.Split('\n'))
        {
            if (BridgeOf(line) is { } bridge) bridges.Add(bridge);
        }
        return bridges;
    }

    private ToolRun List(NftablesChain chain) => Call(["-a", "list", "chain", chain.Family, chain.Table, chain.Chain]);

    /// <summary>The handles of the lines that are exactly l2vlan's rule for the bridge.</summary>
    private static List<string> Handles(string listing, string bridge)
    {
        var handles = new List<string>();
        foreach (var line in listing.Split('\n'))
        {
            if (BridgeOf(line) != bridge) continue;
            handles.Add(line[(line.LastIndexOf(HandleMark, StringComparison.Ordinal) + HandleMark.Length)..].Trim());
        }
        return handles;
    }

    /// <summary>The bridge of a listed rule that is exactly l2vlan's, or null.</summary>
    private static string? BridgeOf(string line)
    {
        var mark = line.LastIndexOf(HandleMark, StringComparison.Ordinal);
        if (mark < 0 || !line[(mark + HandleMark.Length)..].Trim().All(char.IsAsciiDigit)) return null;
        var rule = line[..mark].Trim();
        const string prefix = "iifname \"";
        if (!rule.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var end = rule.IndexOf('"', prefix.Length);
        if (end < 0) return null;
        var bridge = rule[prefix.Length..end];
        return rule == RuleText(bridge) ? bridge : null;
    }

    private ToolRun Call(IReadOnlyList<string> arguments)
    {
        var run = _run(arguments);
        if (run.Status == ToolRun.TimedOut)
        {
            _logger.LogError("nft {Arguments}: no answer within {Seconds} s; killed", string.Join(' ', arguments),
                IptablesFirewall.CallTimeout.TotalSeconds);
        }
        else if (run.Status != 0 && arguments[0] != "-a")
        {
            _logger.LogWarning("nft {Arguments}: {Error}", string.Join(' ', arguments), run.Error);
        }
        return run;
    }

    private static InvalidOperationException Failure(ToolRun run, string message) =>
        run.Status == ToolRun.TimedOut ? new FirewallTimeoutException(message) : new InvalidOperationException(message);

    private static string Describe(ToolRun run) => run.Status switch
    {
        ToolRun.TimedOut => $"no answer within {IptablesFirewall.CallTimeout.TotalSeconds:0} s, killed",
        ToolRun.NotInstalled => "nft is not installed",
        _ when run.Error.Contains(NoSuchChain, StringComparison.Ordinal) => "no such table or chain",
        _ => $"exit {run.Status}",
    };
}
