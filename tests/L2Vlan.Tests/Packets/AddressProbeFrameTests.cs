using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Packets;

namespace L2Vlan.Tests.Packets;

/// <summary>The duplicate address probes and the IPv6 announcement, byte by byte.</summary>
public class AddressProbeFrameTests
{
    private static readonly PhysicalAddress Mac = PhysicalAddress.Parse("02-42-C0-00-02-0A");
    private static readonly PhysicalAddress Router = PhysicalAddress.Parse("52-54-00-12-34-56");
    private static readonly IPAddress V4 = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress V6 = IPAddress.Parse("2001:db8::a:b0c");

    [Test]
    public void ARP_probe_asks_for_the_address_from_the_zero_address()
    {
        byte[] expected =
        [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x42, 0xc0, 0x00, 0x02, 0x0a, 0x08, 0x06,
            0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
            0x02, 0x42, 0xc0, 0x00, 0x02, 0x0a, 0, 0, 0, 0, // sender: our MAC, no address yet
            0, 0, 0, 0, 0, 0, 192, 0, 2, 10,                 // target: the address probed
        ];
        byte[] frame = ArpProbe.BuildFrame(Mac, V4);
        Assert.That(frame, Has.Length.EqualTo(60));
        Assert.That(frame[..expected.Length], Is.EqualTo(expected));
        Assert.That(frame[expected.Length..], Is.All.Zero);
    }

    [Test]
    public void An_ARP_reply_or_probe_from_another_MAC_claims_the_address()
    {
        Assert.That(ArpProbe.Claimant(Arp(2, Router, V4, Mac, IPAddress.Any), V4, Mac), Is.EqualTo(Router), "a reply");
        Assert.That(ArpProbe.Claimant(Arp(1, Router, V4, null, V4), V4, Mac), Is.EqualTo(Router), "a gratuitous ARP");
        Assert.That(ArpProbe.Claimant(ArpProbe.BuildFrame(Router, V4), V4, Mac), Is.EqualTo(Router),
            "another station probing for it");
    }

    [Test]
    public void Our_own_frames_and_other_addresses_claim_nothing()
    {
        Assert.That(ArpProbe.Claimant(ArpProbe.BuildFrame(Mac, V4), V4, Mac), Is.Null, "our own probe");
        Assert.That(ArpProbe.Claimant(Arp(2, Router, IPAddress.Parse("192.0.2.11"), Mac, IPAddress.Any), V4, Mac),
            Is.Null, "another address");
        Assert.That(ArpProbe.Claimant(Arp(1, Router, IPAddress.Parse("192.0.2.11"), null, V4), V4, Mac), Is.Null,
            "a station asking for it");
        Assert.That(ArpProbe.Claimant(NeighbourDiscovery.BuildUnsolicitedAdvertisement(Router, V6), V4, Mac), Is.Null,
            "not ARP");
        Assert.That(ArpProbe.Claimant(new byte[20], V4, Mac), Is.Null, "too short");
    }

    [Test]
    public void DAD_solicitation_goes_from_the_unspecified_address_to_the_solicited_node_group()
    {
        byte[] frame = NeighbourDiscovery.BuildSolicitation(Mac, V6);
        AssertIcmp6(frame, "3333FF0A0B0C", 24, IPAddress.IPv6Any, IPAddress.Parse("ff02::1:ff0a:b0c"), type: 135);
        Assert.That(frame[58..62], Is.All.Zero);
        Assert.That(new IPAddress(frame[62..78]), Is.EqualTo(V6));
    }

    [Test]
    public void Unsolicited_advertisement_tells_all_nodes_the_MAC_and_overrides()
    {
        byte[] frame = NeighbourDiscovery.BuildUnsolicitedAdvertisement(Mac, V6);
        AssertIcmp6(frame, "333300000001", 32, V6, IPAddress.Parse("ff02::1"), type: 136);
        Assert.That(frame[58..62], Is.EqualTo(new byte[] { 0x20, 0, 0, 0 }), "override, not solicited, not a router");
        Assert.That(new IPAddress(frame[62..78]), Is.EqualTo(V6));
        Assert.That(frame[78..86], Is.EqualTo(new byte[] { 2, 1, 0x02, 0x42, 0xc0, 0x00, 0x02, 0x0a }),
            "target link-layer address");
    }

    [Test]
    public void The_checksum_matches_a_known_value()
    {
        // An echo request ::1 -> ::1, id 0, seq 0, no data: 0xffff - (::1 + ::1 + length 8 + 58 + type 0x8000), folded,
        // that is ~0x8044.
        byte[] loopback = IPAddress.IPv6Loopback.GetAddressBytes();
        Assert.That(Icmp6Frame.Checksum(loopback, loopback, [0x80, 0, 0, 0, 0, 0, 0, 0]), Is.EqualTo((ushort)0x7fbb));
    }

    [Test]
    public void An_advertisement_from_another_MAC_claims_the_IPv6_address()
    {
        Assert.That(NeighbourDiscovery.Claimant(NeighbourDiscovery.BuildUnsolicitedAdvertisement(Router, V6), V6, Mac),
            Is.EqualTo(Router));
        Assert.That(NeighbourDiscovery.Claimant(NeighbourDiscovery.BuildSolicitation(Router, V6), V6, Mac),
            Is.EqualTo(Router), "another station's DAD");
        Assert.That(NeighbourDiscovery.Claimant(NeighbourDiscovery.BuildUnsolicitedAdvertisement(Mac, V6), V6, Mac),
            Is.Null, "our own");
        Assert.That(NeighbourDiscovery.Claimant(NeighbourDiscovery.BuildUnsolicitedAdvertisement(Router,
            IPAddress.Parse("2001:db8::1")), V6, Mac), Is.Null);
        Assert.That(NeighbourDiscovery.Claimant(ArpProbe.BuildFrame(Router, V4), V6, Mac), Is.Null, "not IPv6");
    }

    [Test]
    public void A_routed_advertisement_is_not_believed()
    {
        byte[] frame = NeighbourDiscovery.BuildUnsolicitedAdvertisement(Router, V6);
        frame[14 + 7] = 64; // hop limit: a router forwarded it
        Assert.That(NeighbourDiscovery.Claimant(frame, V6, Mac), Is.Null);
    }

    /// <summary>
    /// An ICMPv6 frame from <see cref="Mac"/>: its Ethernet header, its IPv6 header (ICMPv6, hop limit 255, as
    /// neighbour discovery requires), its addresses, its type and its checksum.
    /// </summary>
    private static void AssertIcmp6(byte[] frame, string destinationMac, int icmpLength, IPAddress source,
        IPAddress destination, byte type)
    {
        Assert.That(frame, Has.Length.EqualTo(14 + 40 + icmpLength));
        Assert.That(Convert.ToHexString(frame[..14]), Is.EqualTo(destinationMac + "0242C000020A" + "86DD"),
            "Ethernet header: destination, our MAC, IPv6");
        Assert.That(frame[14..22], Is.EqualTo(new byte[] { 0x60, 0, 0, 0, 0, (byte)icmpLength, 58, 255 }),
            "IPv6 header");
        Assert.That(new IPAddress(frame[22..38]), Is.EqualTo(source), "source");
        Assert.That(new IPAddress(frame[38..54]), Is.EqualTo(destination), "destination");
        Assert.That(frame[54], Is.EqualTo(type), "ICMPv6 type");
        AssertChecksumHolds(frame);
    }

    /// <summary>RFC 1071: the one's complement sum over the pseudo-header and the message, checksum included, is all
    /// ones.</summary>
    private static void AssertChecksumHolds(byte[] frame)
    {
        var ip = frame.AsSpan(14);
        int length = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        ulong sum = (ulong)length + 58;
        for (int i = 8; i < 40; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        for (int i = 40; i < 40 + length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        Assert.That(sum, Is.EqualTo(0xffff), "ICMPv6 checksum");
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(ip[42..]), Is.Not.Zero);
    }

    private static byte[] Arp(ushort operation, PhysicalAddress sender, IPAddress senderIp, PhysicalAddress? target,
        IPAddress targetIp)
    {
        var frame = new byte[60];
        frame.AsSpan(0, 6).Fill(0xff);
        sender.GetAddressBytes().CopyTo(frame, 6);
        frame[12] = 0x08; frame[13] = 0x06;
        byte[] header = [0x00, 0x01, 0x08, 0x00, 6, 4, 0, (byte)operation];
        header.CopyTo(frame, 14);
        sender.GetAddressBytes().CopyTo(frame, 22);
        senderIp.GetAddressBytes().CopyTo(frame, 28);
        (target?.GetAddressBytes() ?? new byte[6]).CopyTo(frame, 32);
        targetIp.GetAddressBytes().CopyTo(frame, 38);
        return frame;
    }
}
