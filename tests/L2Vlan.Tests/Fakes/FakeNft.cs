using L2Vlan.Firewall;

namespace L2Vlan.Tests.Fakes;

/// <summary>
/// A stand-in for the <c>nft</c> tool over a ruleset of its own: the chains it has, their rules with handles, listed
/// as <c>nft -a list chain</c> prints them, and insert and delete by handle. Anything else fails as nft does.
/// </summary>
internal sealed class FakeNft
{
    private readonly Dictionary<string, List<(int Handle, string Text)>> _chains = [];
    private int _nextHandle = 2;

    /// <summary>Called with the rule's text just before an insert takes effect.</summary>
    public Action<string>? BeforeInsert { get; set; }

    /// <summary>When set, every call fails as nft does without the netlink permission.</summary>
    public bool Fails { get; set; }

    public List<string> Calls { get; } = [];

    public void AddChain(string chain, params string[] rules)
    {
        lock (_chains) _chains[chain] = rules.Select(r => (_nextHandle++, r)).ToList();
    }

    public void DropChain(string chain)
    {
        lock (_chains) _chains.Remove(chain);
    }

    public IReadOnlyList<string> Rules(string chain)
    {
        lock (_chains) return _chains[chain].Select(r => r.Text).ToList();
    }

    public ToolRun Run(IReadOnlyList<string> arguments)
    {
        lock (_chains)
        {
            Calls.Add(string.Join(' ', arguments));
            if (Fails) return new ToolRun(1, "", "Error: Operation not permitted");
            return arguments switch
            {
                ["-a", "list", "chain", var f, var t, var c] => List($"{f} {t} {c}"),
                ["insert", "rule", var f, var t, var c, var text] => Insert($"{f} {t} {c}", text),
                ["delete", "rule", var f, var t, var c, "handle", var handle] => Delete($"{f} {t} {c}", handle),
                _ => new ToolRun(1, "", "Error: syntax error"),
            };
        }
    }

    private static ToolRun NoSuchChain =>
        new(1, "", "Error: No such file or directory; did you mean table 'filter' in family inet?");

    private ToolRun List(string chain)
    {
        if (!_chains.TryGetValue(chain, out var rules)) return NoSuchChain;
        var parts = chain.Split(' ');
        var lines = rules.Select(r => $"\t\t{r.Text} # handle {r.Handle}");
        var text = $"table {parts[0]} {parts[1]} {{\n\tchain {parts[2]} {{ # handle 1\n" +
            "\t\ttype filter hook forward priority filter; policy drop;\n" + string.Join("\n", lines) + "\n\t}\n}\n";
        return new ToolRun(0, text, "");
    }

    private ToolRun Insert(string chain, string text)
    {
        if (!_chains.TryGetValue(chain, out var rules)) return NoSuchChain;
        BeforeInsert?.Invoke(text);
        rules.Insert(0, (_nextHandle++, text));
        return new ToolRun(0, "", "");
    }

    private ToolRun Delete(string chain, string handle)
    {
        if (!_chains.TryGetValue(chain, out var rules)) return NoSuchChain;
        var index = rules.FindIndex(r => r.Handle.ToString() == handle);
        if (index < 0) return new ToolRun(1, "", "Error: Could not process rule: No such file or directory");
        rules.RemoveAt(index);
        return new ToolRun(0, "", "");
    }
}
