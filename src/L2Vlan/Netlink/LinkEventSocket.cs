using System.Runtime.InteropServices;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket that only listens: it is in the link group, so the kernel sends it a message whenever a
/// link is made, changed or deleted. A socket of its own, apart from <see cref="RouteNetlinkClient"/>'s, so events
/// never mix with answers. It belongs to the network namespace of the thread that opened it.
/// </summary>
public sealed class LinkEventSocket : IDisposable
{
    // The kernel's link messages are a few KiB each; a datagram holds one.
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly SafeFileDescriptor _socket;
    private readonly byte[] _buffer = new byte[ReceiveBufferSize];

    /// <summary>Opens the socket; <see cref="Receive"/> waits at most <paramref name="wait"/> for an event.</summary>
    public LinkEventSocket(TimeSpan wait)
    {
        _socket = new SafeFileDescriptor(Interop.Libc.Socket(Interop.Libc.AF_NETLINK, Interop.Libc.SOCK_RAW
            | Interop.Libc.SOCK_CLOEXEC, NETLINK_ROUTE));
        if (_socket.IsInvalid)
            throw SystemCallException.FromLastError("socket(AF_NETLINK)");
        try
        {
            LimitReceiveWait(wait);
            JoinLinkGroup();
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The events of the next datagram: waits for one when <paramref name="wait"/>, else takes only what is queued.
    /// Empty when none came; <see cref="LinkEvent.Lost"/> when the kernel had to drop some (ENOBUFS).
    /// </summary>
    public unsafe IReadOnlyList<LinkEvent> Receive(bool wait)
    {
        int flags = Interop.Libc.MSG_TRUNC | (wait ? 0 : Interop.Libc.MSG_DONTWAIT);
        while (true)
        {
            sockaddr_nl sender;
            uint senderLength = (uint)sizeof(sockaddr_nl);
            nint received;
            fixed (byte* buffer = _buffer)
            {
                received = Interop.Libc.RecvFrom(_socket, buffer, (nuint)_buffer.Length, flags, &sender, &senderLength);
            }
            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errno.EINTR) continue;
                if (errno == Interop.Errno.EAGAIN) return [];
                if (errno == Interop.Errno.ENOBUFS) return [LinkEvent.Lost];
                throw new SystemCallException("recvfrom(netlink link events)", errno);
            }
            // A datagram cut short lost its events as surely as an overrun.
            if (received > _buffer.Length) return [LinkEvent.Lost];
            // Only the kernel speaks for the group; anything else is not an event.
            if (sender.nl_pid != 0) continue;
            return LinkEvent.Parse(_buffer.AsSpan(0, (int)received));
        }
    }

    public void Dispose() => _socket.Dispose();

    private unsafe void LimitReceiveWait(TimeSpan wait)
    {
        var limit = new Interop.Libc.timeval { tv_sec = (long)wait.TotalSeconds, tv_usec = wait.Milliseconds * 1000L };
        if (Interop.Libc.SetSockOpt(_socket, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_RCVTIMEO, &limit,
            (uint)sizeof(Interop.Libc.timeval)) != 0)
        {
            throw SystemCallException.FromLastError("setsockopt(SO_RCVTIMEO)");
        }
    }

    private unsafe void JoinLinkGroup()
    {
        // Port id 0 asks the kernel to pick a free one.
        var address = new sockaddr_nl
        {
            nl_family = Interop.Libc.AF_NETLINK,
            nl_groups = Interop.Rtnetlink.RTMGRP_LINK,
        };
        if (Interop.Libc.Bind(_socket, &address, (uint)sizeof(sockaddr_nl)) != 0)
            throw SystemCallException.FromLastError("bind(AF_NETLINK, RTMGRP_LINK)");
    }
}
