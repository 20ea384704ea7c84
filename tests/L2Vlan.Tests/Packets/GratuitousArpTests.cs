using System.Net;
using System.Net.NetworkInformation;
using L2Vlan.Netlink;
using L2Vlan.Packets;
using L2Vlan.Tests.Netlink;

namespace L2Vlan.Tests.Packets;

public class GratuitousArpTests : PrivateNamespaceFixture
{
    private static readonly PhysicalAddress Mac = PhysicalAddress.Parse("02-42-C0-00-02-0A");
    private static readonly IPAddress Address = IPAddress.Parse("192.0.2.10");

    private static readonly byte[] ExpectedFrame =
    [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // broadcast
        0x02, 0x42, 0xc0, 0x00, 0x02, 0x0a, // from our MAC
        0x08, 0x06,                         // ARP
        0x00, 0x01, 0x08, 0x00, 6, 4,       // Ethernet / IPv4
        0x00, 0x01,                         // request
        0x02, 0x42, 0xc0, 0x00, 0x02, 0x0a, 192, 0, 2, 10, // sender: us
        0, 0, 0, 0, 0, 0, 192, 0, 2, 10,    // target: unknown MAC, our own IP
    ];

    [Test]
    public void Frame_is_a_broadcast_ARP_request_for_our_own_address()
    {
        byte[] frame = GratuitousArp.BuildFrame(Mac, Address);

        Assert.That(frame, Has.Length.EqualTo(60));
        Assert.That(frame[..ExpectedFrame.Length], Is.EqualTo(ExpectedFrame));
        Assert.That(frame[ExpectedFrame.Length..], Is.All.Zero);
    }

    [Test]
    public void Gratuitous_ARP_arrives_at_the_other_end_of_a_veth()
    {
        Client.CreateVethPair("garp-out", "garp-in", peerMac: null, mtu: null);
        var sending = RequireLink("garp-out");
        var receiving = RequireLink("garp-in");
        Client.SetUp(sending.Index);
        Client.SetUp(receiving.Index);
        using var listener = Host.Run(() => PacketSocket.Open(0x0806));
        listener.Bind(receiving.Index, 0x0806);

        using var announcer = Host.Run(() => new ArpAnnouncer());
        announcer.Announce(sending.Index, Mac, Address);

        var frame = new byte[1500];
        int length = listener.Receive(frame, TimeSpan.FromSeconds(3));
        Assert.That(length, Is.GreaterThan(0), "no ARP frame arrived");
        Assert.That(frame[..ExpectedFrame.Length], Is.EqualTo(ExpectedFrame));
    }

    [Test]
    public void Sending_out_of_a_missing_link_fails()
    {
        using var announcer = Host.Run(() => new ArpAnnouncer());
        var error = Assert.Throws<SystemCallException>(() => announcer.Announce(4242, Mac, Address));
        Assert.That(error.Message, Does.Contain("link 4242"));
    }

    [Test]
    public void An_IPv6_address_is_announced_by_an_unsolicited_neighbour_advertisement()
    {
        Client.CreateVethPair("na-out", "na-in", peerMac: null, mtu: null);
        var sending = RequireLink("na-out");
        var receiving = RequireLink("na-in");
        Client.SetUp(sending.Index);
        Client.SetUp(receiving.Index);
        using var listener = Host.Run(() => PacketSocket.Open(0x86dd));
        listener.Bind(receiving.Index, 0x86dd);

        using var announcer = Host.Run(() => new ArpAnnouncer());
        var address = IPAddress.Parse("2001:db8::a");
        announcer.Announce(sending.Index, Mac, address);

        // The kernel's own IPv6 traffic (router solicitations, MLD) may come first.
        var frame = new byte[1500];
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            int length = listener.Receive(frame, TimeSpan.FromMilliseconds(200));
            if (length > 0 && frame[14 + 40] == 136)
            {
                Assert.That(frame[..length],
                    Is.EqualTo(NeighbourDiscovery.BuildUnsolicitedAdvertisement(Mac, address)));
                return;
            }
        }
        Assert.Fail("no neighbour advertisement arrived");
    }
}
