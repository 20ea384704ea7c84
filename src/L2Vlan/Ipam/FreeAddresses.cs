using System.Net.Sockets;
using L2Vlan.Domain;

namespace L2Vlan.Ipam;

/// <summary>Which address of a range is the next one to hand out.</summary>
public static class FreeAddresses
{
    /// <summary>
    /// The lowest address of <paramref name="range"/> from <paramref name="from"/> on (every one below it is known
    /// to be taken, so a search costs the addresses it steps over, not all that are held) that is not
    /// <paramref name="taken"/> and is not the subnet's own address (IPv4 and IPv6) or its IPv4 broadcast; null
    /// when there is none.
    /// </summary>
    public static UInt128? First(Cidr subnet, Cidr range, UInt128 from, Func<UInt128, bool> taken)
    {
        var unusable = new HashSet<UInt128>();
        // /31, /32, /127, /128 have no reserved addresses
        var pointToPoint = subnet.PrefixLength >= subnet.BitLength - 1;
        if (!pointToPoint)
        {
            unusable.Add(subnet.First);
            if (subnet.Family == AddressFamily.InterNetwork) unusable.Add(subnet.Last);
        }
        for (var candidate = from; ; candidate++)
        {
            if (!unusable.Contains(candidate) && !taken(candidate)) return candidate;
            if (candidate == range.Last) return null;
        }
    }
}
