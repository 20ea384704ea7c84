using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace L2Vlan.Packets;

/// <summary>
/// The broadcast ARP request a host sends about its own address ("who has X? tell X"),
/// which makes switches learn the port and neighbours refresh their caches.
/// </summary>
internal static class GratuitousArp
{
    public static byte[] BuildFrame(PhysicalAddress mac, IPAddress address)
    {
        byte[] ip = EthernetFrame.AddressBytes(address, AddressFamily.InterNetwork);
        return ArpFrame.Build(mac, senderIp: ip, targetIp: ip);
    }
}
