using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace L2Vlan.Domain;

/// <summary>IPv4 and IPv6 addresses as numbers, so one allocator serves both families.</summary>
public static class AddressMath
{
    public static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
            throw new ArgumentException($"cannot read address {address}", nameof(address));
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress FromNumber(UInt128 number, AddressFamily family)
    {
        if (family == AddressFamily.InterNetwork)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)number);
            return new IPAddress(v4);
        }
        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, number);
        return new IPAddress(v6);
    }
}
