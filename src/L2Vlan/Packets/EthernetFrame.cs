using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>The Ethernet header and the argument checks the frame builders share.</summary>
internal static class EthernetFrame
{
    public const int HeaderLength = 14;

    /// <summary>A frame of at least the Ethernet minimum (some drivers do not pad short frames), its header
    /// written.</summary>
    public static byte[] Start(ReadOnlySpan<byte> destination, ReadOnlySpan<byte> source, ushort etherType,
        int payloadLength)
    {
        var frame = new byte[Math.Max(ETH_ZLEN, HeaderLength + payloadLength)];
        destination.CopyTo(frame);
        source.CopyTo(frame.AsSpan(ETH_ALEN));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        return frame;
    }

    public static byte[] MacBytes(PhysicalAddress mac)
    {
        byte[] bytes = mac.GetAddressBytes();
        return bytes.Length == ETH_ALEN ? bytes
            : throw new ArgumentException($"'{mac}' is not an Ethernet address.", nameof(mac));
    }

    public static byte[] AddressBytes(IPAddress address, AddressFamily family) =>
        address.AddressFamily == family
            ? address.GetAddressBytes()
            : throw new ArgumentException($"'{address}' is not an " +
                $"{(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address.", nameof(address));

    /// <summary>The frame's ether type, or 0 when it is too short to have one.</summary>
    public static ushort EtherType(ReadOnlySpan<byte> frame) =>
        frame.Length < HeaderLength ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
}
