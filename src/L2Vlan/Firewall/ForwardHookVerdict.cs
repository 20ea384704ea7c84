using System.Text.Json;

namespace L2Vlan.Firewall;

/// <summary>
/// Which base chains of an nftables ruleset, on the forward hook, drop a new connection bridged on a bridge. The
/// hook runs every base chain in turn: an accept only ends the chain it is in, a drop is final, so one dropping
/// chain is enough to lose the traffic whatever the others (iptables' FORWARD with l2vlan's rule among them) say.
/// <para>
/// A chain is walked as the kernel would for such a packet, judging what can be known of it: its input and output
/// interface (the bridge, under br_netfilter), its connection state (new) and status (not NATed). A rule that
/// matches on anything else (addresses, ports, marks, named sets) is taken not to match: it does not accept the
/// bridge's traffic as such, and any drop it makes is not certain. Jumps and gotos are followed.
/// </para>
/// </summary>
public static class ForwardHookVerdict
{
    // The kernel refuses deeper jumps; a ruleset read back from it never has more.
    private const int MaxDepth = 16;

    private enum Outcome
    {
        Accept,
        Drop,
        /// <summary>On to the chain's next rule.</summary>
        Next,
        /// <summary>Out of the chain, back to its caller (for a base chain, its policy).</summary>
        Leave,
    }

    private enum Judged
    {
        Yes,
        No,
        Unknown,
    }

    public static IReadOnlyList<DroppingChain> DroppingChains(
        NftRuleset ruleset, string bridge, BridgeNetfilter netfilter)
    {
        var rules = ruleset.Rules.GroupBy(r => (r.Family, r.Table, r.Chain)).ToDictionary(g => g.Key, g => g.ToList());
        var dropping = new List<DroppingChain>();
        foreach (var chain in ruleset.Chains.Where(c => c.Hook == "forward" && netfilter.Reaches(c.Family)))
        {
            if (IsIptablesForward(chain)) continue;
            var walk = new Walk(rules, chain.Family, chain.Table, bridge);
            var (outcome, cause) = walk.Chain(chain.Name, 0);
            if (outcome == Outcome.Drop) dropping.Add(new DroppingChain(chain.Family, chain.Table, chain.Name, cause));
            else if (outcome == Outcome.Leave && chain.Policy == "drop")
                dropping.Add(new DroppingChain(chain.Family, chain.Table, chain.Name, "its policy drop"));
        }
        return dropping;
    }

    /// <summary>
    /// iptables' own FORWARD chain (iptables-nft), where l2vlan keeps its accept rule: doctor's iptables check judges
    /// it against that rule, and Docker's policy drop there is what the rule is for.
    /// </summary>
    private static bool IsIptablesForward(NftChain chain) =>
        chain.Family is "ip" or "ip6" && chain.Table == "filter" && chain.Name == "FORWARD";

    private sealed class Walk(
        Dictionary<(string, string, string), List<NftRule>> rules, string family, string table, string bridge)
    {
        public (Outcome, string) Chain(string name, int depth)
        {
            if (depth > MaxDepth || !rules.TryGetValue((family, table, name), out var chainRules))
                return (Outcome.Leave, "");
            foreach (var rule in chainRules)
            {
                var (outcome, cause) = Rule(rule, depth);
                if (outcome != Outcome.Next) return (outcome, cause);
            }
            return (Outcome.Leave, "");
        }

        /// <summary>What the rule does to the packet: Next when it does not match, or cannot be judged.</summary>
        private (Outcome, string) Rule(NftRule rule, int depth)
        {
            foreach (var statement in rule.Expr)
            {
                if (statement.ValueKind != JsonValueKind.Object) return (Outcome.Next, "");
                var (kind, body) = statement.EnumerateObject().Select(p => (p.Name, p.Value)).FirstOrDefault();
                switch (kind)
                {
                    case "match":
                        if (Match(body) != Judged.Yes) return (Outcome.Next, "");
                        break;
                    case "counter" or "log" or "mangle" or "notrack":
                        break;
                    case "vmap":
                        return VerdictMap(body, rule, depth);
                    default:
                        return Verdict(kind, body, rule, depth) ?? (Outcome.Next, "");
                }
            }
            return (Outcome.Next, "");
        }

        /// <summary>A verdict statement's outcome; null for another statement, or one that cannot be judged.</summary>
        private (Outcome, string)? Verdict(string? kind, JsonElement body, NftRule rule, int depth) => kind switch
        {
            "accept" => (Outcome.Accept, ""),
            "drop" or "reject" =>
                (Outcome.Drop, $"the rule with handle {rule.Handle} in {rule.Chain}, which ends in {kind}"),
            "return" => (Outcome.Leave, ""),
            "continue" => (Outcome.Next, ""),
            "jump" => Target(body) is { } target && Chain(target, depth + 1) is var (outcome, cause)
                ? (outcome == Outcome.Leave ? Outcome.Next : outcome, cause)
                : null,
            // The target's return goes back to this chain's caller: for a base chain, to its policy.
            "goto" => Target(body) is { } target ? Chain(target, depth + 1) : null,
            _ => null,
        };

        private static string? Target(JsonElement body) =>
            body.ValueKind == JsonValueKind.Object && body.TryGetProperty("target", out var t) ? t.GetString() : null;

        /// <summary><c>KEY vmap { value : verdict, ... }</c>: the verdict of the packet's value, if any.</summary>
        private (Outcome, string) VerdictMap(JsonElement body, NftRule rule, int depth)
        {
            if (!body.TryGetProperty("key", out var key) || !body.TryGetProperty("data", out var data)
                || Value(key) is not { } value
                || data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("set", out var set))
            {
                return (Outcome.Next, "");
            }
            foreach (var pair in set.EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2) continue;
                if (Compare(value, pair[0]) != Judged.Yes) continue;
                var verdict = pair[1].EnumerateObject().Select(p => (p.Name, p.Value)).FirstOrDefault();
                return Verdict(verdict.Name, verdict.Value, rule, depth) ?? (Outcome.Next, "");
            }
            return (Outcome.Next, "");
        }

        private Judged Match(JsonElement match)
        {
            if (!match.TryGetProperty("left", out var left) || !match.TryGetProperty("right", out var right))
                return Judged.Unknown;
            if (Value(left) is not { } value) return Judged.Unknown;
            var op = match.TryGetProperty("op", out var o) ? o.GetString() : "==";
            var found = Compare(value, right);
            return (op, found) switch
            {
                (_, Judged.Unknown) => Judged.Unknown,
                ("==" or "in", _) => found,
                ("!=", Judged.Yes) => Judged.No,
                ("!=", Judged.No) => Judged.Yes,
                _ => Judged.Unknown,
            };
        }

        /// <summary>
        /// What the packet holds under this key: interface names (the bridge) or connection flags. Null for anything
        /// else, which is not judged.
        /// </summary>
        private Known? Value(JsonElement left)
        {
            if (left.ValueKind != JsonValueKind.Object) return null;
            if (left.TryGetProperty("meta", out var meta) && meta.TryGetProperty("key", out var metaKey))
            {
                // The bridge family's hook sees the ports as iif/oif; the bridge is ibrname/obrname there.
                var keys = family == "bridge" ? new[] { "ibrname", "obrname" } : ["iifname", "oifname", "iif", "oif"];
                return keys.Contains(metaKey.GetString()) ? new Known(Name: bridge, Flags: null) : null;
            }
            if (left.TryGetProperty("ct", out var ct) && ct.TryGetProperty("key", out var ctKey)
                && !ct.TryGetProperty("dir", out _))
            {
                return ctKey.GetString() switch
                {
                    "state" => new Known(Name: null, Flags: ["new"]),
                    // Traffic bridged between a container and the VLAN is not NATed by the host.
                    "status" => new Known(Name: null, Flags: []),
                    _ => null,
                };
            }
            return null;
        }

        private static Judged Compare(Known value, JsonElement right)
        {
            var wanted = right.ValueKind == JsonValueKind.Object && right.TryGetProperty("set", out var set)
                ? Strings(set)
                : Strings(right);
            // A named set ("@name"), or an element that is not a plain string: not judged.
            if (wanted.Count == 0 || wanted.Any(w => w.Length == 0 || w[0] == '@')) return Judged.Unknown;
            var hit = value.Name is { } name
                ? wanted.Any(w => NameMatches(name, w))
                : wanted.Any(value.Flags!.Contains);
            return hit ? Judged.Yes : Judged.No;
        }

        /// <summary>A string or a list of them; anything else as one empty string, which matches nothing.</summary>
        private static List<string> Strings(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array =>
                value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : "").ToList(),
            _ => [""],
        };

        /// <summary>nft's interface names: a trailing <c>*</c> is a wildcard, <c>\*</c> a star.</summary>
        private static bool NameMatches(string name, string pattern) =>
            pattern.EndsWith('*') && !pattern.EndsWith("\\*", StringComparison.Ordinal)
                ? name.StartsWith(pattern[..^1], StringComparison.Ordinal)
                : name == pattern.Replace("\\*", "*", StringComparison.Ordinal);

        private sealed record Known(string? Name, string[]? Flags);
    }
}
