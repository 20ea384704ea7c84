using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using static Interop.Packet;

namespace L2Vlan.Netlink;

/// <summary>
/// The broadcast ARP request a host sends about its own address ("who has X? tell X"),
/// which makes switches learn the port and neighbours refresh their caches.
/// </summary>
internal static class GratuitousArp
{
    private const int EthernetHeaderLength = 14;

    public static byte[] BuildFrame(PhysicalAddress mac, IPAddress address)
    {
        byte[] sender = mac.GetAddressBytes();
        if (sender.Length != ETH_ALEN)
            throw new ArgumentException($"'{mac}' is not an Ethernet address.", nameof(mac));
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"'{address}' is not an IPv4 address.", nameof(address));
        byte[] ip = address.GetAddressBytes();

        // Short frames are padded to the Ethernet minimum; some drivers do not pad for us.
        var frame = new byte[ETH_ZLEN];
        Span<byte> ethernet = frame;
        ethernet[..ETH_ALEN].Fill(0xff);
        sender.CopyTo(ethernet[ETH_ALEN..]);
        BinaryPrimitives.WriteUInt16BigEndian(ethernet[12..], ETH_P_ARP);

        Span<byte> arp = frame.AsSpan(EthernetHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(arp, ARPHRD_ETHER);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], ETH_P_IP);
        arp[4] = ETH_ALEN;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], ARPOP_REQUEST);
        sender.CopyTo(arp[8..]);
        ip.CopyTo(arp[14..]);
        // Target hardware address (arp[18..24]) stays zero; the target IP is our own.
        ip.CopyTo(arp[24..]);
        return frame;
    }
}
