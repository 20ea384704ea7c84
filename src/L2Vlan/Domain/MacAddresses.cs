using System.Net.NetworkInformation;

namespace L2Vlan.Domain;

/// <summary>Ethernet addresses as people and Docker write them: six bytes, lower-case hex, colons.</summary>
public static class MacAddresses
{
    public static string Format(PhysicalAddress mac) =>
        string.Join(':', mac.GetAddressBytes().Select(b => b.ToString("x2")));

    public static bool TryParse(string? text, out PhysicalAddress mac)
    {
        mac = PhysicalAddress.None;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (!PhysicalAddress.TryParse(text.Replace(':', '-').ToUpperInvariant(), out var parsed)
            || parsed?.GetAddressBytes().Length != 6)
        {
            return false;
        }
        mac = parsed;
        return true;
    }
}
