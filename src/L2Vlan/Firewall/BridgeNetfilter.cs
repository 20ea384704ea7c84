namespace L2Vlan.Firewall;

/// <summary>
/// br_netfilter's switches: whether bridged IPv4 and IPv6 frames go through the ip/ip6/inet hooks
/// (<c>bridge-nf-call-iptables</c>, <c>bridge-nf-call-ip6tables</c>). Null when br_netfilter is not loaded: Docker
/// loads it, with both on, so a chain is judged as it will act then.
/// </summary>
public sealed record BridgeNetfilter(bool? IPv4, bool? IPv6)
{
    private const string Folder = "/proc/sys/net/bridge";

    public static BridgeNetfilter OfHost() =>
        new(Switch("bridge-nf-call-iptables"), Switch("bridge-nf-call-ip6tables"));

    /// <summary>Whether bridged frames pass the forward hook of chains of this family.</summary>
    public bool Reaches(string family) => family switch
    {
        "bridge" => true,
        "ip" => IPv4 != false,
        "ip6" => IPv6 != false,
        "inet" => IPv4 != false || IPv6 != false,
        _ => false,
    };

    private static bool? Switch(string name)
    {
        try
        {
            var path = Path.Combine(Folder, name);
            return File.Exists(path) ? File.ReadAllText(path).Trim() == "1" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
