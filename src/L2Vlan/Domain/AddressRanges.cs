using System.Net;
using System.Net.Sockets;

namespace L2Vlan.Domain;

/// <summary>
/// Collapses a set of addresses into runs of consecutive ones, so that thousands of held addresses read as a
/// few ranges (<c>l2vlan status</c>).
/// </summary>
public static class AddressRanges
{
    /// <summary>
    /// The runs, IPv4 before IPv6, each family in address order; duplicates count once. One sort of plain
    /// numbers, so any pool's allocations collapse at once.
    /// </summary>
    public static IReadOnlyList<AddressRange> Collapse(IEnumerable<IPAddress> addresses)
    {
        var all = addresses.ToList();
        return [.. RunsOf(all, AddressFamily.InterNetwork), .. RunsOf(all, AddressFamily.InterNetworkV6)];
    }

    // One family at a time, so that 0.0.0.255 and ::256 never join.
    private static IEnumerable<AddressRange> RunsOf(List<IPAddress> addresses, AddressFamily family)
    {
        var numbers = addresses.Where(a => a.AddressFamily == family).Select(AddressMath.ToNumber).ToArray();
        Array.Sort(numbers);
        for (var start = 0; start < numbers.Length;)
        {
            var end = start;
            // A difference of 0 is a duplicate, of 1 the next address: both go on with the run.
            while (end + 1 < numbers.Length && numbers[end + 1] - numbers[end] <= 1) end++;
            yield return new AddressRange(AddressMath.FromNumber(numbers[start], family),
                AddressMath.FromNumber(numbers[end], family));
            start = end + 1;
        }
    }
}
