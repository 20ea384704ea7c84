using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Domain;

namespace L2Vlan.Protocol;

/// <summary>The strings of Docker's messages as typed values; an empty string is a value Docker left out.</summary>
public static class WireValues
{
    /// <summary>"192.168.1.4/24", as Docker gives endpoint addresses and gateways.</summary>
    public static InterfaceAddress? InterfaceAddress(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : Domain.InterfaceAddress.TryParse(text, out var value) ? value
        : throw new UserError($"'{text}' is not an address in CIDR form");

    /// <summary>A subnet of a network as the IPAM gave it.</summary>
    public static Cidr Subnet(string text) =>
        Cidr.TryParse(text, out var subnet, out _) ? subnet : throw new UserError($"'{text}' is not a network in CIDR form");

    /// <summary>An address, with or without a prefix length.</summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address) =>
        IPAddress.TryParse(text?.Split('/')[0], out address);

    public static IPAddress Address(string text) =>
        TryParseAddress(text, out var address) ? address : throw new UserError($"'{text}' is not an IP address");

    /// <summary>--mac-address.</summary>
    public static PhysicalAddress? Mac(string? text) =>
        string.IsNullOrEmpty(text) ? null
        : MacAddresses.TryParse(text, out var mac) ? mac
        : throw new UserError($"--mac-address {text} is not a MAC address (example: 02:42:c0:a8:01:04)");
}
