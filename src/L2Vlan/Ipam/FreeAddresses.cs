using System.Net.Sockets;
using L2Vlan.Domain;

namespace L2Vlan.Ipam;

/// <summary>Which address of a range is the next one to hand out.</summary>
public static class FreeAddresses
{
    /// <summary>
    /// The lowest address of <paramref name="range"/> that is not in <paramref name="taken"/> and is not
    /// the subnet's own address (IPv4 and IPv6) or its IPv4 broadcast; null when there is none.
    /// </summary>
    public static UInt128? First(Cidr subnet, Cidr range, IReadOnlySet<UInt128> taken)
    {
        var unusable = new HashSet<UInt128>();
        var pointToPoint = subnet.PrefixLength >= subnet.BitLength - 1; // /31, /32, /127, /128 have no reserved addresses
        if (!pointToPoint)
        {
            unusable.Add(subnet.First);
            if (subnet.Family == AddressFamily.InterNetwork) unusable.Add(subnet.Last);
        }
        for (var candidate = range.First; ; candidate++)
        {
            if (!taken.Contains(candidate) && !unusable.Contains(candidate)) return candidate;
            if (candidate == range.Last) return null;
        }
    }
}
