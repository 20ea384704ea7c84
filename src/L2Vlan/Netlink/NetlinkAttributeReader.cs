using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>Walks the attributes (type-length-value) that follow a message's fixed struct or fill a nested attribute.</summary>
internal ref struct NetlinkAttributeReader
{
    private ReadOnlySpan<byte> _remaining;

    public NetlinkAttributeReader(ReadOnlySpan<byte> attributes) => _remaining = attributes;

    /// <summary>Reads the next attribute; the type comes without the nested/byte-order flag bits.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value)
    {
        int headerSize = Unsafe.SizeOf<nlattr>();
        if (_remaining.Length < headerSize)
        {
            type = 0;
            value = default;
            return false;
        }
        var header = MemoryMarshal.Read<nlattr>(_remaining);
        if (header.nla_len < headerSize || header.nla_len > _remaining.Length)
            throw new InvalidDataException($"malformed netlink attribute: length {header.nla_len} with {_remaining.Length} bytes left.");
        type = (ushort)(header.nla_type & NLA_TYPE_MASK);
        value = _remaining[headerSize..header.nla_len];
        // The last attribute of a message may lack its padding.
        _remaining = _remaining[Math.Min(NetlinkMessageWriter.Align(header.nla_len), _remaining.Length)..];
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
