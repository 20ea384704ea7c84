using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>Walks the netlink messages packed into one datagram.</summary>
internal ref struct NetlinkMessageReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram) => _remaining = datagram;

    /// <summary>Reads the next message; <paramref name="payload"/> is what follows its header.</summary>
    public bool TryRead(out nlmsghdr header, out ReadOnlySpan<byte> payload)
    {
        header = default;
        payload = default;
        if (_remaining.Length < Unsafe.SizeOf<nlmsghdr>())
            return false;
        header = MemoryMarshal.Read<nlmsghdr>(_remaining);
        // A length beyond int's range reads as negative and is refused as malformed.
        payload = NetlinkFraming.Take(ref _remaining, Unsafe.SizeOf<nlmsghdr>(), (int)header.nlmsg_len, "message");
        return true;
    }
}
