namespace L2Vlan.Firewall;

/// <summary>
/// A firewall tool did not answer within its time limit and was killed. Trying again at once would most likely
/// wait as long again, so a caller that would clean up through the firewall leaves that to a later try.
/// </summary>
public sealed class FirewallTimeoutException(string message) : InvalidOperationException(message);
