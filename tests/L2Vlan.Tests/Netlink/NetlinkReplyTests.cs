using System.Runtime.InteropServices;
using System.Text;
using L2Vlan.Netlink;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>How an answer is told apart from leftovers, and how kernel errors become exceptions, without a
/// kernel.</summary>
public class NetlinkReplyTests
{
    private const uint Sequence = 1000;
    private const uint PortId = 4242;

    [Test]
    public void Messages_with_another_sequence_number_are_skipped()
    {
        var reply = new NetlinkReply("RTM_GETLINK", Sequence, PortId);
        reply.Consume(Concat(Link(Sequence - 1, PortId), Ack(Sequence - 1, PortId, 0)));

        Assert.That((reply.IsComplete, reply.Messages.Count, reply.SkippedMessages), Is.EqualTo((false, 0, 2)));

        reply.Consume(Concat(Link(Sequence, PortId), Ack(Sequence, PortId, 0)));
        Assert.That((reply.IsComplete, reply.Messages.Count, reply.SkippedMessages), Is.EqualTo((true, 1, 2)));
    }

    [Test]
    public void Messages_for_another_port_are_skipped()
    {
        var reply = new NetlinkReply("RTM_GETLINK", Sequence, PortId);
        reply.Consume(Ack(Sequence, PortId + 1, -17));
        Assert.That((reply.IsComplete, reply.SkippedMessages), Is.EqualTo((false, 1)),
            "an error for someone else is not ours to throw");
    }

    [Test]
    public void Dump_ends_with_done()
    {
        var reply = new NetlinkReply("RTM_GETLINK", Sequence, PortId);
        reply.Consume(Concat(Link(Sequence, PortId), Link(Sequence, PortId)));
        Assert.That(reply.IsComplete, Is.False);
        reply.Consume(Done(Sequence, PortId));
        Assert.That((reply.IsComplete, reply.Messages.Count), Is.EqualTo((true, 2)));
    }

    [Test]
    public void Error_with_extended_ack_becomes_a_readable_exception()
    {
        var reply = new NetlinkReply("RTM_NEWLINK", Sequence, PortId);
        var error = Assert.Throws<NetlinkException>(() => reply.Consume(Ack(Sequence, PortId, -17, "Link already " +
            "exists", capped: false)));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(17));
            Assert.That(error.KernelMessage, Is.EqualTo("Link already exists"));
            Assert.That(error.Message, Is.EqualTo("netlink RTM_NEWLINK failed: File exists (EEXIST, errno 17): Link " +
                "already exists"));
        });
    }

    [Test]
    public void Extended_ack_is_found_after_a_capped_echo()
    {
        var reply = new NetlinkReply("RTM_NEWLINK", Sequence, PortId);
        var error = Assert.Throws<NetlinkException>(() => reply.Consume(Ack(Sequence, PortId, -95, "Unknown device " +
            "type", capped: true)));
        Assert.That(error.Message, Is.EqualTo("netlink RTM_NEWLINK failed: Operation not supported (EOPNOTSUPP, " +
            "errno 95): Unknown device type"));
    }

    [Test]
    public void Error_without_extended_ack_has_no_trailing_text()
    {
        var reply = new NetlinkReply("RTM_DELLINK", Sequence, PortId);
        var error = Assert.Throws<NetlinkException>(() => reply.Consume(Ack(Sequence, PortId, -19)));
        Assert.That((error.KernelMessage, error.Message), Is.EqualTo(((string?)null, "netlink RTM_DELLINK failed: No " +
            "such device (ENODEV, errno 19)")));
    }

    private static byte[] Concat(params byte[][] messages) => messages.SelectMany(m => m).ToArray();

    private static byte[] Message(ushort type, ushort flags, uint sequence, uint portId, Action<List<byte>> body)
    {
        var bytes = new List<byte>(new byte[16]);
        body(bytes);
        while (bytes.Count % 4 != 0)
            bytes.Add(0);
        byte[] message = bytes.ToArray();
        var header = new nlmsghdr
        {
            nlmsg_len = (uint)message.Length,
            nlmsg_type = type,
            nlmsg_flags = flags,
            nlmsg_seq = sequence,
            nlmsg_pid = portId,
        };
        MemoryMarshal.Write(message, in header);
        return message;
    }

    private static byte[] Link(uint sequence, uint portId) =>
        Message(RTM_NEWLINK, NLM_F_MULTI, sequence, portId, body => body.AddRange(new byte[16]));

    private static byte[] Done(uint sequence, uint portId) =>
        Message(NLMSG_DONE, NLM_F_MULTI, sequence, portId, body => body.AddRange(new byte[4]));

    /// <summary>An NLMSG_ERROR as the kernel builds it: error, the echoed request (whole, or only its header when
    /// capped), then TLVs.</summary>
    private static byte[] Ack(uint sequence, uint portId, int error, string? kernelMessage = null, bool capped = false)
    {
        ushort flags = (ushort)((capped ? NLM_F_CAPPED : 0) | (kernelMessage is null ? 0 : NLM_F_ACK_TLVS));
        return Message(NLMSG_ERROR, flags, sequence, portId, body =>
        {
            body.AddRange(BitConverter.GetBytes(error));
            byte[] echoedRequest = Message(RTM_NEWLINK, NLM_F_REQUEST, sequence, 0, b => b.AddRange(new byte[16 + 12]));
            body.AddRange(capped ? echoedRequest[..16] : echoedRequest);
            if (kernelMessage is not null)
            {
                byte[] text = [.. Encoding.UTF8.GetBytes(kernelMessage), 0];
                body.AddRange(BitConverter.GetBytes((ushort)(4 + text.Length)));
                body.AddRange(BitConverter.GetBytes(NLMSGERR_ATTR_MSG));
                body.AddRange(text);
            }
        });
    }
}
