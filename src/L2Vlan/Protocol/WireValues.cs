using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Domain;

namespace L2Vlan.Protocol;

/// <summary>The strings of Docker's messages as typed values; an empty string is a value Docker left out.</summary>
public static class WireValues
{
    /// <summary>"192.168.1.4/24", as Docker gives endpoint addresses and gateways; <paramref name="field"/> names it in
    /// an error.</summary>
    public static InterfaceAddress? InterfaceAddress(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        ZoneSuffix.Refuse(text, field);
        return Domain.InterfaceAddress.TryParse(text, out var value) ? value
            : throw new UserError($"{field} '{text}' is not an address in CIDR form (example: 192.168.1.4/24)");
    }

    /// <summary>A subnet of a network as the IPAM gave it.</summary>
    public static Cidr Subnet(string text, string field)
    {
        ZoneSuffix.Refuse(text, field);
        return Cidr.TryParse(text, out var subnet, out _) ? subnet
            : throw new UserError($"{field} '{text}' is not a network in CIDR form (example: 192.168.1.0/24)");
    }

    /// <summary>
    /// An address, with or without a prefix length, as it is: with a zone too, which only a release that took one
    /// can have handed out (ReleaseAddress lets it go; the zone keeps it apart from the address without).
    /// </summary>
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address) =>
        IPAddress.TryParse(text?.Split('/')[0], out address);

    /// <summary>An address Docker asks for or reserves, with or without a prefix length, and without a zone.</summary>
    public static IPAddress Address(string text, string field)
    {
        ZoneSuffix.Refuse(text, field);
        return TryParseAddress(text, out var address) ? address
            : throw new UserError($"{field} '{text}' is not an IP address (example: 192.168.1.4)");
    }

    /// <summary>--mac-address.</summary>
    public static PhysicalAddress? Mac(string? text) =>
        string.IsNullOrEmpty(text) ? null
        : MacAddresses.TryParse(text, out var mac) ? mac
        : throw new UserError($"--mac-address {text} is not a MAC address (example: 02:42:c0:a8:01:04)");
}
