using System.Net;
using System.Net.NetworkInformation;

namespace L2Vlan.Packets;

/// <summary>
/// Tells the segment where an address now lives. The real implementation sends a gratuitous ARP (IPv4) or an
/// unsolicited neighbour advertisement (IPv6); unit tests use a fake.
/// </summary>
public interface IArpAnnouncer
{
    /// <summary>
    /// Sends one gratuitous ARP, or for an IPv6 address one unsolicited neighbour advertisement with the override flag,
    /// for <paramref name="address"/> with source <paramref name="mac"/> out of the link <paramref name="linkIndex"/>,
    /// so switches and the router learn where the address now lives.
    /// </summary>
    void Announce(int linkIndex, PhysicalAddress mac, IPAddress address);
}
