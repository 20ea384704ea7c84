using L2Vlan.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>Link events: the parsing of the link group's messages, and the listening socket on a real kernel.</summary>
public class LinkEventTests : PrivateNamespaceFixture
{
    [Test]
    public void Parse_reads_new_and_deleted_links_by_name_and_skips_other_messages()
    {
        byte[] datagram = [.. Message(RTM_NEWLINK, "eno1"), .. Message(RTM_NEWADDR, null),
            .. Message(RTM_DELLINK, "eno1.2000")];

        Assert.That(LinkEvent.Parse(datagram), Is.EqualTo(new[]
        {
            new LinkEvent(LinkEventKind.Changed, "eno1"),
            new LinkEvent(LinkEventKind.Deleted, "eno1.2000"),
        }));
    }

    [Test]
    public void The_socket_hears_a_link_made_and_deleted_in_its_namespace()
    {
        using var events = Host.Run(() => new LinkEventSocket(TimeSpan.FromMilliseconds(200)));
        Assert.That(events.Receive(wait: false), Is.Empty, "nothing happened yet");

        Client.CreateVethPair("nic0", "nic0p", peerMac: null, mtu: null);
        Assert.That(Drain(events), Does.Contain(new LinkEvent(LinkEventKind.Changed, "nic0")));

        Client.DeleteLink("nic0");
        Assert.That(Drain(events),
            Does.Contain(new LinkEvent(LinkEventKind.Deleted, "nic0")).And.Contain(new LinkEvent(LinkEventKind.Deleted,
                "nic0p")));
    }

    private static List<LinkEvent> Drain(LinkEventSocket events)
    {
        var all = new List<LinkEvent>();
        for (IReadOnlyList<LinkEvent> batch; (batch = events.Receive(wait: true)).Count > 0;) all.AddRange(batch);
        return all;
    }

    /// <summary>One rtnetlink message as the kernel sends it to the group: header, ifinfomsg, and IFLA_IFNAME when
    /// named.</summary>
    private static byte[] Message(ushort type, string? name)
    {
        Span<byte> buffer = stackalloc byte[256];
        var message = new NetlinkMessageWriter(buffer, type, 0);
        message.Write(new ifinfomsg { ifi_index = 7 });
        if (name is not null) message.AddString(IFLA_IFNAME, name);
        return message.Complete().ToArray();
    }
}
