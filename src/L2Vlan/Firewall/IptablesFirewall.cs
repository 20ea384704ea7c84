using L2Vlan.Faults;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Firewall;

/// <summary>
/// The accept rule through iptables and ip6tables, the front ends Docker itself uses, so the rule lives
/// in the same tables as Docker's. Each rule carries a comment naming l2vlan and the bridge, so that
/// only rules l2vlan added are ever removed. Every call of a tool is bounded in time: a hung iptables
/// comes back as an error instead of holding up the request.
/// </summary>
public sealed class IptablesFirewall : IFirewall
{
    /// <summary>
    /// How long one call of iptables may take before it is killed: its own wait for the xtables lock
    /// (<c>-w 5</c>) and then some, and still short of the 10 s Docker and its users can be kept waiting.
    /// </summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(8);

    // A host without the tool has no firewall of Docker's to get through.
    private const int NotInstalled = ToolRun.NotInstalled;
    // iptables -C: "Bad rule (does a matching rule exist in that chain?)", also for a missing chain.
    private const int NoSuchRule = 1;
    // The table itself does not exist (e.g. ip6tables on a kernel without IPv6 netfilter): no rule can be in it.
    private const int NoSuchTable = 3;
    private const int TimedOut = ToolRun.TimedOut;
    // A rule added again by hand is removed too, but removal never loops forever.
    private const int MostCopies = 8;

    private readonly ILogger _logger;
    private readonly string[] _tools;
    private readonly TimeSpan _timeout;

    public IptablesFirewall(ILogger<IptablesFirewall> logger)
        : this(logger, ["iptables", "ip6tables"], CallTimeout)
    {
    }

    /// <summary>
    /// The first tool's rule is required; the others' are best effort when added (IPv6 may be off on the host).
    /// Tests pass stand-in programs and a shorter time limit.
    /// </summary>
    internal IptablesFirewall(ILogger logger, string[] tools, TimeSpan timeout)
    {
        _logger = logger;
        _tools = tools;
        _timeout = timeout;
    }

    public void AllowBridged(string bridge)
    {
        foreach (var tool in _tools)
        {
            var present = Run(tool, Rule("-C", bridge));
            if (present is 0 or NotInstalled) continue;
            var status = present == TimedOut ? TimedOut : Insert(tool, bridge);
            if (status == 0)
            {
                _logger.LogInformation("{Tool}: accepting traffic bridged on {Bridge}", Name(tool), bridge);
            }
            else if (tool == _tools[0])
            {
                throw Failure(status, $"{Name(tool)} could not add the accept rule for bridge {bridge} " +
                    $"({Describe(status)}); see the log");
            }
            else
            {
                _logger.LogWarning("{Tool} could not add the accept rule for bridge {Bridge} ({Status}); IPv6 " +
                    "traffic may be dropped", Name(tool), bridge, Describe(status));
            }
        }
    }

    /// <summary>
    /// The bridges with l2vlan's accept rule in every tool, from one <c>-S FORWARD</c> per tool. A tool that is not
    /// installed adds no condition (<see cref="AllowBridged"/> would skip it too); any other failure gives null.
    /// </summary>
    public IReadOnlySet<string>? AllowedBridges()
    {
        HashSet<string>? allowed = null;
        foreach (var tool in _tools)
        {
            var (status, listing) = Execute(tool, ["-w", "5", "-S", "FORWARD"]);
            if (status == NotInstalled) continue;
            if (status != 0) return null;
            var inTool = ForwardChain.Parse(listing).AcceptedBridges.ToHashSet(StringComparer.Ordinal);
            if (allowed is null) allowed = inTool;
            else allowed.IntersectWith(inTool);
        }
        return allowed ?? new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>Stops at the first failure: the caller keeps its record, and a later try does it all again.</summary>
    public void RemoveBridged(string bridge)
    {
        foreach (var tool in _tools)
        {
            for (var deleted = 0; ; deleted++)
            {
                var present = Run(tool, Rule("-C", bridge));
                if (present is NoSuchRule or NoSuchTable or NotInstalled) break;
                if (present != 0)
                {
                    throw Failure(present, $"{Name(tool)} could not check for the accept rule of bridge {bridge} " +
                        $"({Describe(present)})");
                }
                if (deleted == MostCopies)
                {
                    throw new InvalidOperationException($"{Name(tool)} still has an accept rule for bridge {bridge} " +
                        $"after {MostCopies} deletes");
                }
                KillPoints.Reach(KillPoints.FirewallDeleteBefore);
                var status = Run(tool, Rule("-D", bridge));
                KillPoints.Reach(KillPoints.FirewallDeleteAfter);
                if (status != 0)
                {
                    throw Failure(status, $"{Name(tool)} could not remove the accept rule of bridge {bridge} " +
                        $"({Describe(status)})");
                }
            }
        }
    }

    /// <summary>
    /// Read-only, for <c>l2vlan doctor</c>: the FORWARD chain's policy and the bridges that have l2vlan's accept rule
    /// there (told by the rule's comment), as iptables (or, for <paramref name="ipv6"/>, ip6tables) lists them with
    /// <c>-S</c>.
    /// </summary>
    public ForwardChain ReadForwardChain(bool ipv6 = false)
    {
        var tool = _tools[ipv6 ? 1 : 0];
        var (status, output) = Execute(tool, ["-w", "5", "-S", "FORWARD"]);
        if (status != 0)
        {
            var why = status == NotInstalled ? "not installed" : Describe(status);
            throw new InvalidOperationException($"{Name(tool)} -S FORWARD failed ({why})");
        }
        return ForwardChain.Parse(output);
    }

    private int Insert(string tool, string bridge)
    {
        KillPoints.Reach(KillPoints.FirewallInsertBefore);
        var status = Run(tool, Rule("-I", bridge));
        KillPoints.Reach(KillPoints.FirewallInsertAfter);
        return status;
    }

    private static string[] Rule(string action, string bridge) =>
        ["-w", "5", action, "FORWARD", "-i", bridge, "-o", bridge, "-m", "comment", "--comment",
            $"l2vlan bridge {bridge}", "-j", "ACCEPT"];

    private static string Name(string tool) => Path.GetFileName(tool);

    private static InvalidOperationException Failure(int status, string message) =>
        status == TimedOut ? new FirewallTimeoutException(message) : new InvalidOperationException(message);

    private string Describe(int status) =>
        status == TimedOut ? $"no answer within {_timeout.TotalSeconds:0.#} s, killed" : $"exit {status}";

    private int Run(string tool, string[] arguments) => Execute(tool, arguments).Status;

    private (int Status, string Output) Execute(string tool, string[] arguments)
    {
        var run = ToolRun.Of(tool, arguments, _timeout, why => _logger.LogWarning(
            "{Tool} is not available ({Message}); no firewall rule for bridged traffic", Name(tool), why));
        if (run.Status == TimedOut)
        {
            _logger.LogError("{Tool} {Arguments}: no answer within {Seconds} s; killed",
                Name(tool), string.Join(' ', arguments), _timeout.TotalSeconds);
        }
        else if (run.Status is not (0 or NotInstalled) && !arguments.Contains("-C"))
        {
            _logger.LogWarning("{Tool} {Arguments}: {Error}", Name(tool), string.Join(' ', arguments), run.Error);
        }
        return (run.Status, run.Output);
    }
}
