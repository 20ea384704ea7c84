using System.Buffers.Binary;
using System.Net.NetworkInformation;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>An Ethernet/IPv4 ARP request, broadcast; the target hardware address stays zero.</summary>
internal static class ArpFrame
{
    public const int Length = 28;

    public static byte[] Build(PhysicalAddress mac, ReadOnlySpan<byte> senderIp, ReadOnlySpan<byte> targetIp)
    {
        byte[] sender = EthernetFrame.MacBytes(mac);
        Span<byte> broadcast = stackalloc byte[ETH_ALEN];
        broadcast.Fill(0xff);
        var frame = EthernetFrame.Start(broadcast, sender, ETH_P_ARP, Length);
        Span<byte> arp = frame.AsSpan(EthernetFrame.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(arp, ARPHRD_ETHER);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], ETH_P_IP);
        arp[4] = ETH_ALEN;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], ARPOP_REQUEST);
        sender.CopyTo(arp[8..]);
        senderIp.CopyTo(arp[14..]);
        targetIp.CopyTo(arp[24..]);
        return frame;
    }
}
