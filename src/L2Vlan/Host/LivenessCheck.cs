using L2Vlan.Firewall;
using L2Vlan.Protocol;

namespace L2Vlan.Host;

/// <summary>
/// Whether the service is really serving, for the watchdog: the IPAM's lock can be taken within
/// <see cref="IpamBound"/> (it is never held across the kernel or the firewall, so a longer wait means a call
/// is wedged inside it), and no call has been running longer than <see cref="LongestCall"/> (a call that the
/// time limit of each iptables call failed to end). Bridge and network locks need no probe of their own: a call
/// stuck under one is a call running too long.
/// </summary>
public sealed class LivenessCheck(Func<TimeSpan, bool> ipamResponds, RunningCalls running)
{
    public static readonly TimeSpan IpamBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Making a bridge is at most four iptables calls (check and insert, IPv4 and IPv6), each bounded by
    /// <see cref="IptablesFirewall.CallTimeout"/>: 32 s at worst. Twice that, rounded, is beyond any call that
    /// its bounds still hold.
    /// </summary>
    public static readonly TimeSpan LongestCall = TimeSpan.FromSeconds(60);

    /// <summary>Null when the service is alive, else what is wrong.</summary>
    public string? Problem()
    {
        if (running.Oldest() is { } oldest && oldest.Age > LongestCall)
        {
            return $"{oldest.Path} has been running for {oldest.Age.TotalSeconds:0} s (more than " +
                $"{LongestCall.TotalSeconds:0} s)";
        }
        if (!ipamResponds(IpamBound))
            return $"the IPAM's lock could not be taken within {IpamBound.TotalSeconds:0} s";
        return null;
    }
}
