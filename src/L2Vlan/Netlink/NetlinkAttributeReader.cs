using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>Walks the attributes (type-length-value) that follow a message's fixed struct or fill a nested
/// attribute.</summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    /// <summary>Reads the next attribute; the type comes without the nested/byte-order flag bits.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        type = 0;
        value = default;
        if (_remaining.Length < Unsafe.SizeOf<nlattr>())
            return false;
        var header = MemoryMarshal.Read<nlattr>(_remaining);
        type = (ushort)(header.nla_type & NLA_TYPE_MASK);
        value = NetlinkFraming.Take(ref _remaining, Unsafe.SizeOf<nlattr>(), header.nla_len, "attribute");
        return true;
    }

    public static byte ReadU8(ReadOnlySpan<byte> value) => value[0];

    public static ushort ReadU16(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt16LittleEndian(value);

    public static uint ReadU32(ReadOnlySpan<byte> value) => BinaryPrimitives.ReadUInt32LittleEndian(value);

    /// <summary>A string attribute, up to its NUL terminator.</summary>
    public static string ReadString(ReadOnlySpan<byte> value)
    {
        int end = value.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? value : value[..end]);
    }
}
