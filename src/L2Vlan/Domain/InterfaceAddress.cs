using System.Net;

namespace L2Vlan.Domain;

/// <summary>An address with the prefix length of its subnet, such as 192.168.1.4/24: how Docker gives endpoint
/// addresses and gateways.</summary>
public readonly record struct InterfaceAddress(IPAddress Address, int PrefixLength)
{
    public Cidr Subnet => Cidr.Containing(Address, PrefixLength);

    /// <summary>Parses "address/prefix", keeping the host bits.</summary>
    public static bool TryParse(string? text, out InterfaceAddress value)
    {
        value = default;
        if (!Cidr.TryParse(text, out var subnet, out _)) return false;
        value = new InterfaceAddress(IPAddress.Parse(text!.AsSpan(0, text!.IndexOf('/'))), subnet.PrefixLength);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
