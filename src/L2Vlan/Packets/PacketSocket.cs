using System.Buffers.Binary;
using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>
/// An AF_PACKET raw socket that sends whole Ethernet frames out of a link, and receives them from one.
/// Like every socket it belongs to the network namespace of the thread that opened it.
/// </summary>
internal sealed class PacketSocket : IDisposable
{
    private readonly SafeFileDescriptor _socket;

    private PacketSocket(SafeFileDescriptor socket) => _socket = socket;

    /// <summary>The descriptor, for tests that listen on the socket.</summary>
    internal SafeFileDescriptor Handle => _socket;

    /// <summary>Opens a socket that receives frames of <paramref name="etherType"/>; 0 receives nothing, which suits a
    /// sender.</summary>
    public static PacketSocket Open(ushort etherType)
    {
        var socket = new SafeFileDescriptor(Interop.Libc.Socket(Interop.Libc.AF_PACKET, Interop.Libc.SOCK_RAW
            | Interop.Libc.SOCK_CLOEXEC, HostToNetwork(etherType)));
        return socket.IsInvalid ? throw SystemCallException.FromLastError("socket(AF_PACKET)")
            : new PacketSocket(socket);
    }

    /// <summary>Receives only from the link <paramref name="linkIndex"/> from now on.</summary>
    public unsafe void Bind(int linkIndex, ushort etherType)
    {
        var address = new sockaddr_ll
        {
            sll_family = Interop.Libc.AF_PACKET,
            sll_protocol = (ushort)HostToNetwork(etherType),
            sll_ifindex = linkIndex,
        };
        if (Interop.Libc.Bind(_socket, &address, (uint)sizeof(sockaddr_ll)) != 0)
            throw SystemCallException.FromLastError($"bind(AF_PACKET, link {linkIndex})");
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
            nint sent = Interop.Libc.SendTo(_socket, buffer, (nuint)frame.Length, 0, &address,
                (uint)sizeof(sockaddr_ll));
            if (sent < 0)
                throw SystemCallException.FromLastError($"sendto(AF_PACKET, link {linkIndex})");
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for one frame; returns its length, or -1 on timeout.</summary>
    public int Receive(Span<byte> buffer, TimeSpan timeout) => Receive(buffer, timeout, out _);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for one frame; returns its length, or -1 on timeout.
    /// <paramref name="outgoing"/> tells a frame this host sent, which a socket that hears everything also sees.
    /// </summary>
    public unsafe int Receive(Span<byte> buffer, TimeSpan timeout, out bool outgoing)
    {
        outgoing = false;
        // A zero timeval would mean "wait for ever".
        var wait = timeout < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : timeout;
        var limit = new Interop.Libc.timeval
        {
            tv_sec = (long)wait.TotalSeconds,
            tv_usec = wait.Microseconds + (wait.Milliseconds * 1000L),
        };
        if (Interop.Libc.SetSockOpt(_socket, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_RCVTIMEO, &limit,
            (uint)sizeof(Interop.Libc.timeval)) != 0)
        {
            throw SystemCallException.FromLastError("setsockopt(SO_RCVTIMEO)");
        }
        var from = default(sockaddr_ll);
        uint fromLength = (uint)sizeof(sockaddr_ll);
        fixed (byte* target = buffer)
        {
            var received = Interop.Libc.RecvFrom(_socket, target, (nuint)buffer.Length, 0, &from, &fromLength);
            if (received >= 0)
            {
                outgoing = from.sll_pkttype == PACKET_OUTGOING;
                return (int)received;
            }
            var errno = Marshal.GetLastPInvokeError();
            return errno is Interop.Errno.EAGAIN or Interop.Errno.EINTR ? -1
                : throw new SystemCallException("recvfrom(AF_PACKET)", errno);
        }
    }

    public void Dispose() => _socket.Dispose();

    internal static int HostToNetwork(ushort value) => BinaryPrimitives.ReverseEndianness(value);
}
