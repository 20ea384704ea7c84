using System.Net;
using System.Net.Sockets;

namespace L2Vlan.Domain;

/// <summary>An address block such as 192.168.1.0/24 or 2001:db8::/64, always stored with its host bits
/// cleared.</summary>
public readonly record struct Cidr(IPAddress Network, int PrefixLength)
{
    public AddressFamily Family => Network.AddressFamily;

    public int BitLength => Family == AddressFamily.InterNetwork ? 32 : 128;

    public UInt128 First => AddressMath.ToNumber(Network);

    public UInt128 Last => First | HostMask;

    public UInt128 HostMask => PrefixLength == BitLength ? UInt128.Zero
        : (UInt128.One << (BitLength - PrefixLength)) - 1;

    public bool Contains(IPAddress address) =>
        address.AddressFamily == Family && (AddressMath.ToNumber(address) & ~HostMask) == First;

    public bool Contains(Cidr inner) =>
        inner.Family == Family && inner.PrefixLength >= PrefixLength && Contains(inner.Network);

    /// <summary>Parses "a.b.c.d/n"; <paramref name="hadHostBits"/> tells whether the text named a host rather than a
    /// network.</summary>
    public static bool TryParse(string? text, out Cidr cidr, out bool hadHostBits)
    {
        cidr = default;
        hadHostBits = false;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var slash = text.IndexOf('/');
        if (slash < 0) return false;
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var address)) return false;
        if (address.IsIPv4MappedToIPv6) return false;
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (!int.TryParse(text.AsSpan(slash + 1), out var prefix) || prefix < 0 || prefix > bits) return false;
        cidr = Containing(address, prefix);
        hadHostBits = !cidr.Network.Equals(address);
        return true;
    }

    /// <summary>The block of <paramref name="prefixLength"/> bits that holds <paramref name="address"/>.</summary>
    public static Cidr Containing(IPAddress address, int prefixLength)
    {
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var hostMask = prefixLength == bits ? UInt128.Zero : (UInt128.One << (bits - prefixLength)) - 1;
        return new Cidr(AddressMath.FromNumber(AddressMath.ToNumber(address) & ~hostMask, address.AddressFamily),
            prefixLength);
    }

    /// <summary>Parses a network in CIDR form, refusing host bits and a zone, with an error that names
    /// <paramref name="option"/>.</summary>
    public static Cidr ParseNetwork(string? text, string option)
    {
        ZoneSuffix.Refuse(text, option);
        if (!TryParse(text, out var cidr, out var hadHostBits))
        {
            throw new UserError($"{option} '{text}' is not a network in CIDR form (example: 192.168.1.0/24 or " +
                $"2001:db8::/64)");
        }
        if (hadHostBits)
            throw new UserError($"{option} '{text}' has host bits set; did you mean {cidr}?");
        return cidr;
    }

    public override string ToString() => $"{Network}/{PrefixLength}";
}
