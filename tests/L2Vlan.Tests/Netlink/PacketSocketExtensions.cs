using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Packet;

namespace L2Vlan.Tests.Netlink;

/// <summary>Listening on an AF_PACKET socket, which only the tests do: the product only sends.</summary>
internal static class PacketSocketExtensions
{
    /// <summary>Receives only from the link <paramref name="linkIndex"/> from now on.</summary>
    public static unsafe void Bind(this PacketSocket socket, int linkIndex, ushort etherType)
    {
        var address = new sockaddr_ll { sll_family = Interop.Libc.AF_PACKET, sll_protocol = (ushort)PacketSocket.HostToNetwork(etherType), sll_ifindex = linkIndex };
        if (Interop.Libc.Bind(socket.Handle, &address, (uint)sizeof(sockaddr_ll)) != 0)
            throw SystemCallException.FromLastError("bind(AF_PACKET)");
    }

    /// <summary>Waits up to <paramref name="timeout"/> for one frame; returns its length, or -1 on timeout.</summary>
    public static unsafe int Receive(this PacketSocket socket, Span<byte> buffer, TimeSpan timeout)
    {
        var limit = new Interop.Libc.timeval
        {
            tv_sec = (long)timeout.TotalSeconds,
            tv_usec = timeout.Microseconds + (timeout.Milliseconds * 1000L),
        };
        if (Interop.Libc.SetSockOpt(socket.Handle, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_RCVTIMEO, &limit, (uint)sizeof(Interop.Libc.timeval)) != 0)
            throw SystemCallException.FromLastError("setsockopt(SO_RCVTIMEO)");
        fixed (byte* target = buffer)
        {
            var received = Interop.Libc.RecvFrom(socket.Handle, target, (nuint)buffer.Length, 0, null, null);
            if (received >= 0)
                return (int)received;
            var errno = Marshal.GetLastPInvokeError();
            return errno is Interop.Errno.EAGAIN or Interop.Errno.EINTR ? -1 : throw new SystemCallException("recvfrom(AF_PACKET)", errno);
        }
    }
}
