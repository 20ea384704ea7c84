using L2Vlan.Firewall;

namespace L2Vlan.Tests.Fakes;

internal sealed class FakeFirewall : IFirewall
{
    public HashSet<string> Accepted { get; } = [];

    public void AllowBridged(string bridge) => Accepted.Add(bridge);

    public void RemoveBridged(string bridge) => Accepted.Remove(bridge);
}
