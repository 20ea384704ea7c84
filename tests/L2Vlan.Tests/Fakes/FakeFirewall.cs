using L2Vlan.Firewall;

namespace L2Vlan.Tests.Fakes;

internal sealed class FakeFirewall : IFirewall
{
    public HashSet<string> Accepted { get; } = [];

    /// <summary>Called with the bridge just before the rule goes in, as a kill at that moment would see the
    /// state.</summary>
    public Action<string>? BeforeAllow { get; set; }

    /// <summary>When set, removal fails as iptables does when it cannot take the xtables lock (exit 4).</summary>
    public bool RemovalFails { get; set; }

    /// <summary>When set, the firewall lists its rules at once (<see cref="AllowedBridges"/>), as iptables
    /// does.</summary>
    public bool Lists { get; set; }

    /// <summary>How many times a rule was asked for.</summary>
    public int Allows { get; private set; }

    public IReadOnlySet<string>? AllowedBridges()
    {
        lock (Accepted) return Lists ? Accepted.ToHashSet() : null;
    }

    public void AllowBridged(string bridge)
    {
        Allows++;
        BeforeAllow?.Invoke(bridge);
        lock (Accepted) Accepted.Add(bridge);
    }

    /// <summary>How many times removal was asked for.</summary>
    public int Removals { get; private set; }

    public void RemoveBridged(string bridge)
    {
        Removals++;
        if (RemovalFails)
        {
            throw new InvalidOperationException($"iptables could not remove the accept rule of bridge {bridge} (exit " +
                $"4)");
        }
        lock (Accepted) Accepted.Remove(bridge);
    }
}
