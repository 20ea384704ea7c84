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
        int headerSize = Unsafe.SizeOf<nlmsghdr>();
        if (_remaining.Length < headerSize)
        {
            header = default;
            payload = default;
            return false;
        }
        header = MemoryMarshal.Read<nlmsghdr>(_remaining);
        if (header.nlmsg_len < headerSize || header.nlmsg_len > _remaining.Length)
            throw new InvalidDataException($"malformed netlink message: length {header.nlmsg_len} with {_remaining.Length} bytes left.");
        int length = (int)header.nlmsg_len;
        payload = _remaining[headerSize..length];
        _remaining = _remaining[Math.Min(NetlinkMessageWriter.Align(length), _remaining.Length)..];
        return true;
    }
}
