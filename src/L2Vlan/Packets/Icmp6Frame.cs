using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>
/// An Ethernet frame carrying one ICMPv6 message (RFC 4443) with hop limit 255, as neighbour discovery
/// requires: receivers drop ND messages with any other hop limit, proof that they were not routed.
/// </summary>
internal static class Icmp6Frame
{
    public const int Ipv6HeaderLength = 40;
    public const byte NextHeaderIcmp6 = 58;
    public const byte NeighbourDiscoveryHopLimit = 255;

    /// <summary>Builds the frame around <paramref name="message"/> (its checksum field zero) and fills in the
    /// checksum.</summary>
    public static byte[] Build(PhysicalAddress source, ReadOnlySpan<byte> destinationMac, IPAddress sourceIp,
        IPAddress destinationIp, ReadOnlySpan<byte> message)
    {
        var frame = EthernetFrame.Start(destinationMac, EthernetFrame.MacBytes(source), ETH_P_IPV6, Ipv6HeaderLength
            + message.Length);
        var ip = frame.AsSpan(EthernetFrame.HeaderLength);
        ip[0] = 0x60; // version 6, traffic class and flow label 0
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)message.Length);
        ip[6] = NextHeaderIcmp6;
        ip[7] = NeighbourDiscoveryHopLimit;
        sourceIp.TryWriteBytes(ip.Slice(8, 16), out _);
        destinationIp.TryWriteBytes(ip.Slice(24, 16), out _);
        var icmp = ip.Slice(Ipv6HeaderLength, message.Length);
        message.CopyTo(icmp);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(ip.Slice(8, 16), ip.Slice(24, 16), icmp));
        return frame;
    }

    /// <summary>The ICMPv6 message of <paramref name="frame"/> when it is one with hop limit 255 and no extension
    /// header, else empty.</summary>
    public static ReadOnlySpan<byte> NeighbourDiscoveryMessage(ReadOnlySpan<byte> frame)
    {
        if (EthernetFrame.EtherType(frame) != ETH_P_IPV6 || frame.Length < EthernetFrame.HeaderLength
            + Ipv6HeaderLength)
        {
            return default;
        }
        var ip = frame[EthernetFrame.HeaderLength..];
        if ((ip[0] >> 4) != 6 || ip[6] != NextHeaderIcmp6 || ip[7] != NeighbourDiscoveryHopLimit) return default;
        int length = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        return ip.Length < Ipv6HeaderLength + length ? default : ip.Slice(Ipv6HeaderLength, length);
    }

    /// <summary>The source address of an IPv6 frame that <see cref="NeighbourDiscoveryMessage"/> accepted.</summary>
    public static ReadOnlySpan<byte> SourceAddress(ReadOnlySpan<byte> frame) =>
        frame.Slice(EthernetFrame.HeaderLength + 8, 16);

    /// <summary>RFC 4443 2.3: the one's complement sum over the pseudo-header (addresses, length, next header) and the
    /// message.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> message)
    {
        ulong sum = Sum(source) + Sum(destination) + (uint)message.Length + NextHeaderIcmp6 + Sum(message);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    private static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        for (int i = 0; i + 1 < bytes.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]);
        if (bytes.Length % 2 == 1) sum += (ulong)bytes[^1] << 8;
        return sum;
    }
}
