using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace L2Vlan.Packets;

/// <summary>
/// <see cref="IArpAnnouncer"/> over an AF_PACKET socket. Like every socket it belongs to the network namespace
/// of the thread that opened it.
/// </summary>
public sealed class ArpAnnouncer : IArpAnnouncer, IDisposable
{
    // Ether type 0 receives nothing, which suits a sender.
    private readonly PacketSocket _socket = PacketSocket.Open(etherType: 0);

    public void Announce(int linkIndex, PhysicalAddress mac, IPAddress address) =>
        _socket.Send(linkIndex, address.AddressFamily == AddressFamily.InterNetwork
            ? GratuitousArp.BuildFrame(mac, address)
            : NeighbourDiscovery.BuildUnsolicitedAdvertisement(mac, address));

    public void Dispose() => _socket.Dispose();
}
