using System.Runtime.InteropServices;
using L2Vlan.Metrics;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket that runs one request at a time: send, then read until the answer is complete.
/// The socket belongs to the network namespace of the thread that opened it, whichever thread uses it later.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    // The kernel caps a dump datagram at 32 KiB; twice that leaves room.
    private const int ReceiveBufferSize = 64 * 1024;
    // The kernel always answers; this only turns a wedged kernel into an error instead of a hung caller.
    // A late answer is then recognised as stale by its sequence number.
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly SafeFileDescriptor _socket;
    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private readonly Lock _lock = new();
    private uint _sequence;

    public NetlinkSocket()
    {
        _socket = new SafeFileDescriptor(Interop.Libc.Socket(Interop.Libc.AF_NETLINK, Interop.Libc.SOCK_RAW
            | Interop.Libc.SOCK_CLOEXEC, NETLINK_ROUTE));
        if (_socket.IsInvalid)
            throw SystemCallException.FromLastError("socket(AF_NETLINK)");
        try
        {
            EnableExtendedAcks();
            LimitReceiveWait();
            PortId = Bind();
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        // A different start per socket keeps a stray answer meant for an older socket from matching.
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>The port id the kernel gave this socket; its answers are addressed to it.</summary>
    public uint PortId { get; }

    /// <summary>
    /// Sends <paramref name="request"/> (a complete message; its sequence number and flags are filled in here)
    /// and returns the data messages of the answer.
    /// </summary>
    public IReadOnlyList<NetlinkMessage> Request(Span<byte> request)
    {
        ref nlmsghdr header = ref MemoryMarshal.AsRef<nlmsghdr>(request);
        string name = Interop.Rtnetlink.MessageTypeName(header.nlmsg_type);
        using var timed = CallClock.Time(CallPhase.Kernel);
        lock (_lock)
        {
            header.nlmsg_seq = unchecked(++_sequence);
            header.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
            var reply = new NetlinkReply(name, header.nlmsg_seq, PortId);
            Send(request, name);
            while (!reply.IsComplete)
                reply.Consume(Receive(name));
            return reply.Messages;
        }
    }

    public void Dispose() => _socket.Dispose();

    private unsafe void EnableExtendedAcks()
    {
        int enabled = 1;
        if (Interop.Libc.SetSockOpt(_socket, SOL_NETLINK, NETLINK_EXT_ACK, &enabled, sizeof(int)) != 0)
            throw SystemCallException.FromLastError("setsockopt(NETLINK_EXT_ACK)");
    }

    private unsafe void LimitReceiveWait()
    {
        var limit = new Interop.Libc.timeval { tv_sec = (long)AnswerTimeout.TotalSeconds };
        if (Interop.Libc.SetSockOpt(_socket, Interop.Libc.SOL_SOCKET, Interop.Libc.SO_RCVTIMEO, &limit,
            (uint)sizeof(Interop.Libc.timeval)) != 0)
        {
            throw SystemCallException.FromLastError("setsockopt(SO_RCVTIMEO)");
        }
    }

    private unsafe uint Bind()
    {
        // Port id 0 asks the kernel to pick a free one.
        var address = new sockaddr_nl { nl_family = Interop.Libc.AF_NETLINK };
        if (Interop.Libc.Bind(_socket, &address, (uint)sizeof(sockaddr_nl)) != 0)
            throw SystemCallException.FromLastError("bind(AF_NETLINK)");
        uint length = (uint)sizeof(sockaddr_nl);
        if (Interop.Libc.GetSockName(_socket, &address, &length) != 0)
            throw SystemCallException.FromLastError("getsockname(AF_NETLINK)");
        return address.nl_pid;
    }

    private unsafe void Send(ReadOnlySpan<byte> request, string name)
    {
        var kernel = new sockaddr_nl { nl_family = Interop.Libc.AF_NETLINK };
        fixed (byte* buffer = request)
        {
            while (Interop.Libc.SendTo(_socket, buffer, (nuint)request.Length, 0, &kernel,
                (uint)sizeof(sockaddr_nl)) < 0)
            {
                if (Marshal.GetLastPInvokeError() != Interop.Errno.EINTR)
                    throw SystemCallException.FromLastError($"sendto(netlink {name})");
            }
        }
    }

    /// <summary>The next datagram from the kernel; datagrams from other senders are dropped.</summary>
    private unsafe ReadOnlySpan<byte> Receive(string name)
    {
        while (true)
        {
            sockaddr_nl sender;
            uint senderLength = (uint)sizeof(sockaddr_nl);
            nint received;
            fixed (byte* buffer = _receiveBuffer)
            {
                received = Interop.Libc.RecvFrom(_socket, buffer, (nuint)_receiveBuffer.Length, Interop.Libc.MSG_TRUNC,
                    &sender, &senderLength);
            }
            if (received < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.Errno.EINTR)
                    continue;
                throw errno == Interop.Errno.EAGAIN
                    ? new TimeoutException($"netlink {name}: no answer from the kernel within " +
                        $"{AnswerTimeout.TotalSeconds} s.")
                    : new SystemCallException($"recvfrom(netlink {name})", errno);
            }
            if (received > _receiveBuffer.Length)
            {
                throw new InvalidDataException($"netlink {name}: a {received}-byte answer did not fit the " +
                    $"{_receiveBuffer.Length}-byte buffer.");
            }
            if (sender.nl_pid == 0)
                return _receiveBuffer.AsSpan(0, (int)received);
        }
    }
}
