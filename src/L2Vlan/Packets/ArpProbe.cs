using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>
/// RFC 5227's address probe, "who has X? tell 0.0.0.0": its zero sender address keeps it from teaching
/// anyone's cache a binding that may be about to be refused; a station that holds X answers it.
/// </summary>
internal static class ArpProbe
{
    private static readonly byte[] Unspecified = new byte[4];

    public static byte[] BuildFrame(PhysicalAddress mac, IPAddress address) =>
        ArpFrame.Build(mac, senderIp: Unspecified,
            targetIp: EthernetFrame.AddressBytes(address, AddressFamily.InterNetwork));

    /// <summary>
    /// The MAC of another station that <paramref name="frame"/> shows holding <paramref name="address"/>, or null:
    /// an ARP reply or request sent from the address (RFC 5227 2.1.1), or another station's probe for it
    /// (two hosts that probe at once must both give up). Frames from <paramref name="own"/>, the probing station, are
    /// ours.
    /// </summary>
    public static PhysicalAddress? Claimant(ReadOnlySpan<byte> frame, IPAddress address, PhysicalAddress own)
    {
        if (EthernetFrame.EtherType(frame) != ETH_P_ARP || frame.Length < EthernetFrame.HeaderLength + ArpFrame.Length)
            return null;
        var arp = frame[EthernetFrame.HeaderLength..];
        var ethernetIPv4 = BinaryPrimitives.ReadUInt16BigEndian(arp) == ARPHRD_ETHER
            && BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) == ETH_P_IP
            && arp[4] == ETH_ALEN && arp[5] == 4;
        if (!ethernetIPv4) return null;
        var operation = BinaryPrimitives.ReadUInt16BigEndian(arp[6..]);
        if (operation is not (ARPOP_REQUEST or ARPOP_REPLY)) return null;

        var sender = arp.Slice(8, ETH_ALEN);
        if (sender.SequenceEqual(own.GetAddressBytes())) return null;
        Span<byte> wanted = stackalloc byte[4];
        if (!address.TryWriteBytes(wanted, out var written) || written != 4) return null;
        var senderIp = arp.Slice(14, 4);
        var targetIp = arp.Slice(24, 4);
        var holds = senderIp.SequenceEqual(wanted)
            || (operation == ARPOP_REQUEST && senderIp.SequenceEqual(Unspecified) && targetIp.SequenceEqual(wanted));
        return holds ? new PhysicalAddress(sender.ToArray()) : null;
    }
}
