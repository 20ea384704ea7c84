using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using static Interop.Packet;

namespace L2Vlan.Packets;

/// <summary>
/// The two neighbour discovery messages (RFC 4861) l2vlan sends for a container's IPv6 address: the duplicate
/// address detection solicitation (RFC 4862 5.4.2) and the unsolicited advertisement that tells the segment the
/// address now lives behind this MAC (RFC 4861 7.2.6), IPv6's gratuitous ARP.
/// </summary>
internal static class NeighbourDiscovery
{
    public const byte NeighbourSolicitation = 135;
    public const byte NeighbourAdvertisement = 136;
    private const byte TargetLinkLayerAddressOption = 2;
    /// <summary>The advertisement's override flag: replace the MAC a neighbour has cached for the address.</summary>
    private const byte OverrideFlag = 0x20;
    private static readonly IPAddress AllNodes = IPAddress.Parse("ff02::1");

    /// <summary>"Who has X?" from the unspecified address to X's solicited-node group; whoever holds X answers
    /// it.</summary>
    public static byte[] BuildSolicitation(PhysicalAddress mac, IPAddress address)
    {
        byte[] target = EthernetFrame.AddressBytes(address, AddressFamily.InterNetworkV6);
        // ff02::1:ffXX:XXXX and its multicast MAC 33:33:ff:XX:XX:XX carry the target's last three bytes.
        var group = new byte[16];
        group[0] = 0xff;
        group[1] = 0x02;
        group[11] = 0x01;
        group[12] = 0xff;
        target.AsSpan(13).CopyTo(group.AsSpan(13));
        byte[] groupMac = [0x33, 0x33, .. group.AsSpan(12)];

        // Type, code, checksum, 4 reserved bytes, the target. No source link-layer option: RFC 4861 forbids it from ::.
        var message = new byte[24];
        message[0] = NeighbourSolicitation;
        target.CopyTo(message, 8);
        return Icmp6Frame.Build(mac, groupMac, IPAddress.IPv6Any, new IPAddress(group), message);
    }

    /// <summary>"X is at MAC", unasked, to all nodes, overriding what they cached.</summary>
    public static byte[] BuildUnsolicitedAdvertisement(PhysicalAddress mac, IPAddress address)
    {
        byte[] target = EthernetFrame.AddressBytes(address, AddressFamily.InterNetworkV6);
        // Type, code, checksum, flags and reserved, the target, then the target link-layer address option.
        var message = new byte[32];
        message[0] = NeighbourAdvertisement;
        message[4] = OverrideFlag;
        target.CopyTo(message, 8);
        message[24] = TargetLinkLayerAddressOption;
        message[25] = 1; // in units of 8 bytes
        EthernetFrame.MacBytes(mac).CopyTo(message, 26);
        byte[] allNodesMac = [0x33, 0x33, 0, 0, 0, 1];
        return Icmp6Frame.Build(mac, allNodesMac, address, AllNodes, message);
    }

    /// <summary>
    /// The MAC of another station that <paramref name="frame"/> shows holding <paramref name="address"/>, or null:
    /// an advertisement for it (its target link-layer option, else the frame's source), or another station's
    /// duplicate address detection for it (RFC 4862 5.4.3: both must give up). Frames from <paramref name="own"/> are
    /// ours.
    /// </summary>
    public static PhysicalAddress? Claimant(ReadOnlySpan<byte> frame, IPAddress address, PhysicalAddress own)
    {
        var message = Icmp6Frame.NeighbourDiscoveryMessage(frame);
        if (message.Length < 24 || message[1] != 0) return null;
        Span<byte> wanted = stackalloc byte[16];
        if (!address.TryWriteBytes(wanted, out var written) || written != 16 || !message.Slice(8, 16)
            .SequenceEqual(wanted))
        {
            return null;
        }

        var holder = frame.Slice(ETH_ALEN, ETH_ALEN);
        if (message[0] == NeighbourAdvertisement)
        {
            var options = message[24..];
            while (options.Length >= 8 && options[1] != 0 && options.Length >= options[1] * 8)
            {
                if (options[0] == TargetLinkLayerAddressOption) holder = options.Slice(2, ETH_ALEN);
                options = options[(options[1] * 8)..];
            }
        }
        else if (message[0] != NeighbourSolicitation || !Icmp6Frame.SourceAddress(frame)
            .SequenceEqual(IPAddress.IPv6Any.GetAddressBytes()))
        {
            return null;
        }
        return holder.SequenceEqual(own.GetAddressBytes()) ? null : new PhysicalAddress(holder.ToArray());
    }
}
