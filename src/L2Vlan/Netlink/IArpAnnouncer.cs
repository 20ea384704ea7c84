using System.Net;
using System.Net.NetworkInformation;

namespace L2Vlan.Netlink;

/// <summary>Tells the segment where an IPv4 address now lives. The real implementation sends a gratuitous ARP; unit tests use a fake.</summary>
public interface IArpAnnouncer
{
    /// <summary>
    /// Sends one gratuitous ARP for <paramref name="address"/> with source <paramref name="mac"/>
    /// out of the link <paramref name="linkIndex"/>, so switches and the router learn where the address now lives.
    /// IPv6 addresses are skipped: an unsolicited neighbour advertisement is not implemented.
    /// </summary>
    void Announce(int linkIndex, PhysicalAddress mac, IPAddress address);
}
