using System.Buffers.Binary;
using System.Runtime.InteropServices;
using L2Vlan.Netlink;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

public class NetlinkMessageWriterTests
{
    [Test]
    public void Header_carries_type_flags_and_total_length()
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_CREATE);
        writer.Write(new ifinfomsg { ifi_index = 7 });
        byte[] message = writer.Complete().ToArray();

        var header = MemoryMarshal.Read<nlmsghdr>(message);
        Assert.Multiple(() =>
        {
            Assert.That(message, Has.Length.EqualTo(16 + 16));
            Assert.That(header.nlmsg_len, Is.EqualTo(32));
            Assert.That(header.nlmsg_type, Is.EqualTo(RTM_NEWLINK));
            Assert.That(header.nlmsg_flags, Is.EqualTo(NLM_F_CREATE));
            Assert.That(MemoryMarshal.Read<ifinfomsg>(message.AsSpan(16)).ifi_index, Is.EqualTo(7));
        });
    }

    [Test]
    public void Attributes_are_padded_to_four_bytes_with_zeroes()
    {
        Span<byte> buffer = stackalloc byte[256];
        buffer.Fill(0xAA);
        var writer = new NetlinkMessageWriter(buffer, RTM_NEWLINK, 0);
        writer.AddString(IFLA_IFNAME, "br0");   // 4 + 4 ("br0\0"), already aligned
        writer.AddU8(IFLA_INET6_ADDR_GEN_MODE, 1); // 4 + 1, padded to 8
        writer.AddU16(IFLA_VLAN_ID, 42);         // 4 + 2, padded to 8
        writer.AddString(IFLA_INFO_KIND, "bridge"); // 4 + 7, padded to 12
        byte[] message = writer.Complete().ToArray();

        Assert.That(message, Has.Length.EqualTo(16 + 8 + 8 + 8 + 12));
        Assert.Multiple(() =>
        {
            Assert.That(BinaryPrimitives.ReadUInt16LittleEndian(message.AsSpan(24)), Is.EqualTo(5),
                "nla_len counts the payload, not the padding");
            Assert.That(message.AsSpan(29, 3).ToArray(), Is.All.Zero);
            Assert.That(message.AsSpan(38, 2).ToArray(), Is.All.Zero);
            Assert.That(message[^1], Is.Zero);
        });
    }

    [Test]
    public void Nested_scopes_patch_their_length_and_round_trip()
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new NetlinkMessageWriter(buffer, RTM_NEWLINK, 0);
        writer.Write(new ifinfomsg());
        writer.AddString(IFLA_IFNAME, "vlan42");
        using (writer.Nested(IFLA_LINKINFO))
        {
            writer.AddString(IFLA_INFO_KIND, "vlan");
            using (writer.Nested(IFLA_INFO_DATA))
            {
                writer.AddU16(IFLA_VLAN_ID, 42);
            }
        }
        writer.AddU32(IFLA_MTU, 9000);
        byte[] message = writer.Complete().ToArray();

        var attributes = new NetlinkAttributeReader(message.AsSpan(32));
        Assert.That(attributes.TryRead(out ushort type, out ReadOnlySpan<byte> value), Is.True);
        Assert.That((type, NetlinkAttributeReader.ReadString(value)), Is.EqualTo((IFLA_IFNAME, "vlan42")));

        Assert.That(attributes.TryRead(out type, out ReadOnlySpan<byte> linkInfo), Is.True);
        Assert.That(type, Is.EqualTo(IFLA_LINKINFO), "the nested flag is masked off when reading");
        Assert.That(linkInfo.Length, Is.EqualTo(12 + 12), "kind (4+5 padded to 12) + data (4 + vlan id 4+2 padded to " +
            "8)");

        var info = new NetlinkAttributeReader(linkInfo);
        Assert.That(info.TryRead(out type, out value), Is.True);
        Assert.That((type, NetlinkAttributeReader.ReadString(value)), Is.EqualTo((IFLA_INFO_KIND, "vlan")));
        Assert.That(info.TryRead(out type, out ReadOnlySpan<byte> data), Is.True);
        Assert.That(type, Is.EqualTo(IFLA_INFO_DATA));
        var vlan = new NetlinkAttributeReader(data);
        Assert.That(vlan.TryRead(out type, out value), Is.True);
        Assert.That((type, NetlinkAttributeReader.ReadU16(value)), Is.EqualTo((IFLA_VLAN_ID, (ushort)42)));
        Assert.That(vlan.TryRead(out _, out _), Is.False);
        Assert.That(info.TryRead(out _, out _), Is.False);

        Assert.That(attributes.TryRead(out type, out value), Is.True);
        Assert.That((type, NetlinkAttributeReader.ReadU32(value)), Is.EqualTo((IFLA_MTU, 9000u)));
        Assert.That(attributes.TryRead(out _, out _), Is.False);
    }

    [Test]
    public void Nested_attribute_is_marked_nested()
    {
        Span<byte> buffer = stackalloc byte[64];
        var writer = new NetlinkMessageWriter(buffer, RTM_NEWLINK, 0);
        using (writer.Nested(IFLA_AF_SPEC))
        {
        }
        byte[] message = writer.Complete().ToArray();
        var attribute = MemoryMarshal.Read<nlattr>(message.AsSpan(16));
        Assert.That((attribute.nla_len, attribute.nla_type),
            Is.EqualTo(((ushort)4, (ushort)(IFLA_AF_SPEC | NLA_F_NESTED))));
    }

    [Test]
    public void Overflowing_the_buffer_throws()
    {
        Assert.Throws<InvalidOperationException>(() =>
        {
            Span<byte> buffer = stackalloc byte[24];
            var writer = new NetlinkMessageWriter(buffer, RTM_NEWLINK, 0);
            writer.AddString(IFLA_IFNAME, "longer-than-eight");
        });
    }

    [Test]
    public void Reader_rejects_an_attribute_longer_than_what_is_left()
    {
        byte[] bogus = [200, 0, 3, 0, 1, 2, 3, 4];
        Assert.Throws<InvalidDataException>(() => new NetlinkAttributeReader(bogus).TryRead(out _, out _));
    }

    [Test]
    public void Reader_accepts_a_final_attribute_without_padding()
    {
        byte[] unpadded = [5, 0, 1, 0, 9];
        var reader = new NetlinkAttributeReader(unpadded);
        Assert.That(reader.TryRead(out ushort type, out ReadOnlySpan<byte> value), Is.True);
        Assert.That((type, value.ToArray()), Is.EqualTo(((ushort)1, new byte[] { 9 })));
        Assert.That(reader.TryRead(out _, out _), Is.False);
    }
}
