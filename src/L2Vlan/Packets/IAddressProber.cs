using System.Net;
using System.Net.NetworkInformation;

namespace L2Vlan.Packets;

/// <summary>Another station's MAC that answered for an address l2vlan was about to use.</summary>
public sealed record AddressClaim(IPAddress Address, PhysicalAddress Holder);

/// <summary>Asks a segment whether anyone holds some addresses. The real implementation probes the wire; unit tests use
/// a fake.</summary>
public interface IAddressProber
{
    /// <summary>How long one <see cref="Probe"/> takes when nobody answers: what it adds to a Join.</summary>
    TimeSpan Duration { get; }

    /// <summary>
    /// Sends duplicate address probes for <paramref name="addresses"/> (ARP for IPv4, neighbour solicitation for
    /// IPv6) from <paramref name="mac"/> out of <paramref name="linkIndex"/> and listens on it for an answer;
    /// returns the first station that claims one of them, or null when none did within <see cref="Duration"/>
    /// or <paramref name="cancel"/> stopped it first.
    /// </summary>
    AddressClaim? Probe(int linkIndex, PhysicalAddress mac, IReadOnlyList<IPAddress> addresses,
        CancellationToken cancel = default);
}
