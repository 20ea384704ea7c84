using System.Buffers.Binary;
using static Interop.Packet;

namespace L2Vlan.Netlink;

/// <summary>
/// An AF_PACKET raw socket that sends whole Ethernet frames out of a link.
/// Like every socket it belongs to the network namespace of the thread that opened it.
/// </summary>
internal sealed class PacketSocket : IDisposable
{
    private readonly SafeFileDescriptor _socket;

    private PacketSocket(SafeFileDescriptor socket) => _socket = socket;

    /// <summary>The descriptor, for tests that listen on the socket.</summary>
    internal SafeFileDescriptor Handle => _socket;

    /// <summary>Opens a socket that receives frames of <paramref name="etherType"/>; 0 receives nothing, which suits a sender.</summary>
    public static PacketSocket Open(ushort etherType)
    {
        var socket = new SafeFileDescriptor(Interop.Libc.Socket(Interop.Libc.AF_PACKET, Interop.Libc.SOCK_RAW | Interop.Libc.SOCK_CLOEXEC, HostToNetwork(etherType)));
        return socket.IsInvalid ? throw SystemCallException.FromLastError("socket(AF_PACKET)") : new PacketSocket(socket);
    }

    /// <summary>Sends a complete Ethernet frame out of <paramref name="linkIndex"/>.</summary>
    public unsafe void Send(int linkIndex, ReadOnlySpan<byte> frame)
    {
        var address = new sockaddr_ll
        {
            sll_family = Interop.Libc.AF_PACKET,
            sll_protocol = (ushort)HostToNetwork(BinaryPrimitives.ReadUInt16BigEndian(frame[12..])),
            sll_ifindex = linkIndex,
            sll_halen = ETH_ALEN,
        };
        frame[..ETH_ALEN].CopyTo(new Span<byte>(address.sll_addr, ETH_ALEN));
        fixed (byte* buffer = frame)
        {
            nint sent = Interop.Libc.SendTo(_socket, buffer, (nuint)frame.Length, 0, &address, (uint)sizeof(sockaddr_ll));
            if (sent < 0)
                throw SystemCallException.FromLastError($"sendto(AF_PACKET, link {linkIndex})");
        }
    }

    public void Dispose() => _socket.Dispose();

    internal static int HostToNetwork(ushort value) => BinaryPrimitives.ReverseEndianness(value);
}
