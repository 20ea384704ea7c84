using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace L2Vlan.Driver;

/// <summary>Names and MAC addresses of the links that plug a container into a bridge.</summary>
public static class EndpointLinks
{
    private const string HostPrefix = "l2v";
    private const string ContainerPrefix = "l2c";
    private const int IdChars = 11; // prefix + 11 = 14 bytes, inside Linux's 15

    /// <summary>
    /// Veth names taken from the endpoint ID, sliding along it until neither name is in use, so two
    /// endpoints whose IDs share a prefix still get their own pair.
    /// </summary>
    public static (string Host, string Container) PickVethNames(string endpointId, Func<string, bool> inUse)
    {
        var id = new string(endpointId.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant();
        if (id.Length < IdChars) id = id.PadRight(IdChars, '0');
        for (var offset = 0; offset + IdChars <= id.Length; offset++)
        {
            var part = id.Substring(offset, IdChars);
            var (host, container) = (HostPrefix + part, ContainerPrefix + part);
            if (!inUse(host) && !inUse(container)) return (host, container);
        }
        for (var n = 0; ; n++)
        {
            var part = $"{id[..(IdChars - 4)]}{n:x4}";
            var (host, container) = (HostPrefix + part, ContainerPrefix + part);
            if (!inUse(host) && !inUse(container)) return (host, container);
        }
    }

    /// <summary>
    /// A MAC made from the container's address, as Docker's bridge driver does: the same fixed address
    /// gets the same MAC on every node, so the router's ARP entry stays right when a task moves.
    /// Locally administered (0x02), first octet 0x02, second 0x6c ('l').
    /// </summary>
    public static PhysicalAddress MacFor(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var tail = address.AddressFamily == AddressFamily.InterNetwork ? bytes : bytes[^4..];
        return new PhysicalAddress([0x02, 0x6c, tail[0], tail[1], tail[2], tail[3]]);
    }
}
