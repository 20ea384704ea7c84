using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using static Interop.Netlink;

namespace L2Vlan.Netlink;

/// <summary>
/// Builds one netlink message (header, fixed struct, attributes) in a caller-supplied buffer.
/// Requests are a few hundred bytes at most, so a fixed buffer that throws when full is enough.
/// </summary>
internal ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkMessageWriter(Span<byte> buffer, ushort type, ushort flags)
    {
        _buffer = buffer;
        Write(new nlmsghdr { nlmsg_type = type, nlmsg_flags = flags });
    }

    public readonly int Length => _length;

    /// <summary>The message so far, with nlmsg_len set to its length.</summary>
    public readonly Span<byte> Complete()
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        return _buffer[.._length];
    }

    /// <summary>Appends a fixed-size struct (ifinfomsg, ifaddrmsg, ...) and pads to 4 bytes.</summary>
    public void Write<T>(in T value) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        MemoryMarshal.Write(Reserve(size), in value);
        Pad();
    }

    public void AddBytes(ushort type, scoped ReadOnlySpan<byte> value)
    {
        WriteAttributeHeader(type, value.Length);
        value.CopyTo(Reserve(value.Length));
        Pad();
    }

    public void AddU8(ushort type, byte value) => AddBytes(type, [value]);

    public void AddU16(ushort type, ushort value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(ushort)];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        AddBytes(type, bytes);
    }

    public void AddU32(ushort type, uint value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(uint)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        AddBytes(type, bytes);
    }

    /// <summary>A NUL-terminated string, as the kernel expects for names and kinds.</summary>
    public void AddString(ushort type, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value) + 1;
        WriteAttributeHeader(type, length);
        Span<byte> target = Reserve(length);
        Encoding.UTF8.GetBytes(value, target);
        target[^1] = 0;
        Pad();
    }

    /// <summary>Opens a nested attribute; everything written until the scope is disposed goes inside it.</summary>
    [UnscopedRef]
    public NestedAttribute Nested(ushort type)
    {
        int start = _length;
        WriteAttributeHeader((ushort)(type | NLA_F_NESTED), 0);
        return new NestedAttribute(_buffer, ref _length, start);
    }

    private void WriteAttributeHeader(ushort type, int payloadLength)
    {
        int length = Unsafe.SizeOf<nlattr>() + payloadLength;
        if (length > ushort.MaxValue)
            throw new ArgumentException($"netlink attribute {type} is too long ({payloadLength} bytes).");
        MemoryMarshal.Write(Reserve(Unsafe.SizeOf<nlattr>()), new nlattr { nla_len = (ushort)length, nla_type = type });
    }

    private Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length)
            throw new InvalidOperationException($"netlink message does not fit its {_buffer.Length}-byte buffer.");
        Span<byte> reserved = _buffer.Slice(_length, size);
        _length += size;
        return reserved;
    }

    private void Pad() => Reserve(Align(_length) - _length).Clear();

    public static int Align(int length) => (length + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
}

/// <summary>Patches the nested attribute's nla_len once its contents are written.</summary>
internal readonly ref struct NestedAttribute
{
    private readonly Span<byte> _buffer;
    private readonly ref int _length;
    private readonly int _start;

    internal NestedAttribute(Span<byte> buffer, ref int length, int start)
    {
        _buffer = buffer;
        _length = ref length;
        _start = start;
    }

    public void Dispose() =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer[_start..], checked((ushort)(_length - _start)));
}
