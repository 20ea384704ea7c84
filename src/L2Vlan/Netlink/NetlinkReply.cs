using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>One message of a reply: its type and the bytes after its header.</summary>
internal sealed record NetlinkMessage(ushort Type, byte[] Payload);

/// <summary>
/// Collects the kernel's answer to one request, datagram by datagram, until the final ack or NLMSG_DONE.
/// Messages carrying another sequence number or port id are left over from an earlier,
/// abandoned request and are skipped rather than mistaken for this answer.
/// </summary>
internal sealed class NetlinkReply(string request, uint sequence, uint portId)
{
    private readonly List<NetlinkMessage> _messages = [];

    public IReadOnlyList<NetlinkMessage> Messages => _messages;

    public bool IsComplete { get; private set; }

    public int SkippedMessages { get; private set; }

    /// <summary>Takes one received datagram; throws <see cref="NetlinkException"/> when the kernel reports an
    /// error.</summary>
    public void Consume(ReadOnlySpan<byte> datagram)
    {
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out nlmsghdr header, out ReadOnlySpan<byte> payload))
        {
            if (header.nlmsg_seq != sequence || header.nlmsg_pid != portId || IsComplete)
            {
                SkippedMessages++;
                continue;
            }
            switch (header.nlmsg_type)
            {
                case NLMSG_NOOP:
                    break;
                case NLMSG_ERROR:
                    int error = ReadError(payload);
                    if (error != 0)
                        throw new NetlinkException(request, -error, ReadKernelMessage(header, payload));
                    IsComplete = true;
                    break;
                case NLMSG_DONE:
                    // A dump's end carries an error too, e.g. when the kernel could not finish it.
                    int dumpError = payload.Length >= sizeof(int) ? ReadError(payload) : 0;
                    if (dumpError != 0)
                        throw new NetlinkException(request, -dumpError, ReadKernelMessage(header, payload));
                    IsComplete = true;
                    break;
                case NLMSG_OVERRUN:
                    throw new InvalidDataException($"netlink {request}: the kernel reported an overrun.");
                default:
                    _messages.Add(new NetlinkMessage(header.nlmsg_type, payload.ToArray()));
                    break;
            }
        }
    }

    private static int ReadError(ReadOnlySpan<byte> payload) =>
        payload.Length >= sizeof(int)
            ? MemoryMarshal.Read<int>(payload)
            : throw new InvalidDataException("truncated netlink error message.");

    /// <summary>
    /// The NLMSGERR_ATTR_MSG string from the attributes that follow an error or done message
    /// when the socket asked for extended acks. In an error they come after the echoed request
    /// (just its header when the kernel capped the echo).
    /// </summary>
    private static string? ReadKernelMessage(in nlmsghdr header, ReadOnlySpan<byte> payload)
    {
        if ((header.nlmsg_flags & NLM_F_ACK_TLVS) == 0)
            return null;
        int offset = sizeof(int);
        if (header.nlmsg_type == NLMSG_ERROR)
        {
            if (payload.Length < Unsafe.SizeOf<nlmsgerr>())
                return null;
            var echoed = MemoryMarshal.Read<nlmsgerr>(payload).msg;
            offset += (header.nlmsg_flags & NLM_F_CAPPED) != 0
                ? Unsafe.SizeOf<nlmsghdr>()
                : NetlinkMessageWriter.Align((int)echoed.nlmsg_len);
        }
        if (offset >= payload.Length)
            return null;
        var attributes = new NetlinkAttributeReader(payload[offset..]);
        while (attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type == NLMSGERR_ATTR_MSG)
                return NetlinkAttributeReader.ReadString(value);
        }
        return null;
    }
}
