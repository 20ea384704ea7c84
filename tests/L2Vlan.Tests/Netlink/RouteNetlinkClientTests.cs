using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using L2Vlan.Netlink;
using static Interop.Netlink;
using static Interop.Rtnetlink;

namespace L2Vlan.Tests.Netlink;

/// <summary>Real rtnetlink requests, asserted on the kernel's state, each inside its own private namespace.</summary>
public class RouteNetlinkClientTests : PrivateNamespaceFixture
{
    [Test]
    public void FindLink_returns_loopback_and_null_for_a_missing_link()
    {
        var loopback = RequireLink("lo");
        Assert.Multiple(() =>
        {
            Assert.That((loopback.Index, loopback.Kind, loopback.IsUp, loopback.Mtu),
                Is.EqualTo((1, "", false, 65536)));
            Assert.That(Client.FindLink("nothere0"), Is.Null);
        });
    }

    [Test]
    public void CreateBridge_makes_a_down_bridge_that_gets_no_address_when_up()
    {
        Client.CreateBridge("br-test", mtu: 1400);

        var bridge = RequireLink("br-test");
        Assert.Multiple(() =>
        {
            Assert.That((bridge.Kind, bridge.IsUp, bridge.Mtu), Is.EqualTo(("bridge", false, 1400)));
            Assert.That(bridge.Mac?.GetAddressBytes(), Has.Length.EqualTo(6));
            Assert.That(AddressGenerationMode(bridge.Index), Is.EqualTo(IN6_ADDR_GEN_MODE_NONE));
        });

        Client.SetUp(bridge.Index);
        Assert.That(RequireLink("br-test").IsUp, Is.True);
        // The kernel adds a link-local address synchronously on up when generation is on; give it time anyway.
        Thread.Sleep(300);
        Assert.That(Client.ListAddresses(bridge.Index), Is.Empty);
    }

    [Test]
    public void Bridge_left_with_default_address_generation_does_get_a_link_local_address()
    {
        // The control for the test above: without the extra request an fe80:: address appears.
        Span<byte> buffer = stackalloc byte[256];
        var request = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
        request.Write(new ifinfomsg());
        request.AddString(IFLA_IFNAME, "br-control");
        using (request.Nested(IFLA_LINKINFO))
        {
            request.AddString(IFLA_INFO_KIND, "bridge");
        }
        Client.Request(request.Complete());

        int index = RequireLink("br-control").Index;
        Client.SetUp(index);
        Assert.That(Eventually(() => Client.ListAddresses(index).Any(a => a.Address.IsIPv6LinkLocal)), Is.True);
    }

    [Test]
    public void Creating_an_existing_link_fails_with_EEXIST()
    {
        Client.CreateBridge("br-dup", mtu: null);

        var error = Assert.Throws<NetlinkException>(() => Client.CreateBridge("br-dup", mtu: null));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(17));
            Assert.That(error.Request, Is.EqualTo("RTM_NEWLINK"));
            Assert.That(error.Message, Does.StartWith("netlink RTM_NEWLINK failed: File exists (EEXIST, errno 17)"));
            if (error.KernelMessage is not null)
                Assert.That(error.Message, Does.EndWith(": " + error.KernelMessage));
        });
        Assert.That(RequireLink("br-dup").Kind, Is.EqualTo("bridge"),
            "the failed second create must not remove the first bridge");
        TestContext.Out.WriteLine(error.Message);
    }

    [Test]
    public void Kernel_explanation_is_carried_in_the_exception()
    {
        Client.CreateBridge("br-mtu", mtu: null);

        var error = Assert.Throws<NetlinkException>(() => Client.SetMtu(RequireLink("br-mtu").Index, 10));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(22));
            Assert.That(error.KernelMessage, Does.Contain("mtu"));
            Assert.That(error.Message, Is.EqualTo($"netlink RTM_SETLINK failed: Invalid argument (EINVAL, errno 22): " +
                $"{error.KernelMessage}"));
        });
        TestContext.Out.WriteLine(error.Message);
    }

    [Test]
    public void CreateVethPair_makes_both_ends_with_the_peer_MAC()
    {
        var peerMac = PhysicalAddress.Parse("02-42-0A-00-00-05");
        Client.CreateVethPair("veth-host", "veth-peer", peerMac, mtu: 1450);

        var host = RequireLink("veth-host");
        var peer = RequireLink("veth-peer");
        Assert.Multiple(() =>
        {
            Assert.That((host.Kind, peer.Kind), Is.EqualTo(("veth", "veth")));
            Assert.That((host.Mtu, peer.Mtu), Is.EqualTo((1450, 1450)));
            Assert.That((host.IsUp, peer.IsUp), Is.EqualTo((false, false)));
            Assert.That(peer.Mac, Is.EqualTo(peerMac));
            Assert.That((host.ParentIndex, peer.ParentIndex), Is.EqualTo(((int?)peer.Index, (int?)host.Index)));
            Assert.That(AddressGenerationMode(host.Index), Is.EqualTo(IN6_ADDR_GEN_MODE_NONE));
            Assert.That(AddressGenerationMode(peer.Index), Is.Not.EqualTo(IN6_ADDR_GEN_MODE_NONE));
        });
    }

    [Test]
    public void Only_the_peer_end_gets_an_IPv6_link_local_address()
    {
        Client.CreateVethPair("veth-host", "veth-peer", peerMac: null, mtu: null);
        var host = RequireLink("veth-host");
        var peer = RequireLink("veth-peer");
        Client.SetUp(host.Index);
        Client.SetUp(peer.Index);

        Assert.That(Eventually(() => Client.ListAddresses(peer.Index).Any(a => a.Address.IsIPv6LinkLocal)), Is.True,
            "the peer keeps the default");
        Assert.That(Client.ListAddresses(host.Index), Is.Empty);
    }

    [Test]
    public void SetMaster_puts_the_veth_into_the_bridge()
    {
        Client.CreateBridge("br-test", mtu: null);
        Client.CreateVethPair("veth-host", "veth-peer", peerMac: null, mtu: null);
        int bridge = RequireLink("br-test").Index;

        Client.SetMaster(RequireLink("veth-host").Index, bridge);

        Assert.That(RequireLink("veth-host").MasterIndex, Is.EqualTo(bridge));
        Assert.That(RequireLink("veth-peer").MasterIndex, Is.Null);
    }

    [Test]
    public void SetMtu_changes_the_MTU()
    {
        Client.CreateBridge("br-test", mtu: null);
        int index = RequireLink("br-test").Index;

        Client.SetMtu(index, 1280);

        Assert.That(RequireLink("br-test").Mtu, Is.EqualTo(1280));
    }

    [Test]
    public void DeleteLink_is_idempotent()
    {
        Client.CreateVethPair("veth-host", "veth-peer", peerMac: null, mtu: null);

        Assert.That(Client.DeleteLink("veth-host"), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(Client.FindLink("veth-host"), Is.Null);
            Assert.That(Client.FindLink("veth-peer"), Is.Null, "deleting one end takes the other with it");
            Assert.That(Client.DeleteLink("veth-host"), Is.False);
        });
    }

    [Test]
    public void ListLinks_sees_every_link()
    {
        Client.CreateBridge("br-test", mtu: null);
        Client.CreateVethPair("veth-host", "veth-peer", peerMac: null, mtu: null);

        Assert.That(Client.ListLinks().Select(l => l.Name), Is.EquivalentTo(new[]
        {
            "lo",
            "br-test",
            "veth-host",
            "veth-peer",
        }));
    }

    [Test]
    public void ListAddresses_reports_loopback_addresses_once_up()
    {
        Client.SetUp(1);

        var addresses = Client.ListAddresses(1);

        Assert.That(addresses, Does.Contain((IPAddress.Loopback, 8)));
        Assert.That(addresses.Where(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6), Is.EqualTo(new[]
        {
            (IPAddress.IPv6Loopback, 128),
        }));
    }

    [Test]
    public void MoveToNamespace_moves_the_link_into_the_other_namespace()
    {
        var container = Own(NetworkNamespace.CreatePrivate());
        var inContainer = Own(container.OpenRouteClient());
        var peerMac = PhysicalAddress.Parse("02-42-0A-00-00-07");
        Client.CreateVethPair("veth-host", "veth-peer", peerMac, mtu: null);

        Client.MoveToNamespace(RequireLink("veth-peer").Index, container.Handle);

        Assert.Multiple(() =>
        {
            Assert.That(Client.FindLink("veth-peer"), Is.Null);
            Assert.That(RequireLink(inContainer, "veth-peer").Mac, Is.EqualTo(peerMac));
            Assert.That(RequireLink("veth-host").ParentIndex, Is.Null,
                "the peer's index now means something in another namespace");
        });
    }

    [Test]
    public void Create_VLAN_makes_an_802_1Q_sub_interface()
    {
        Client.CreateVethPair("veth-host", "veth-peer", peerMac: null, mtu: null);
        int parent = RequireLink("veth-host").Index;
        try
        {
            Client.CreateVlan("veth-host.42", parent, vlanId: 42, mtu: 1400);
        }
        catch (NetlinkException e) when (e.Errno == 95)
        {
            Assert.Ignore($"kernel has no 802.1Q support: {e.Message}");
        }

        var vlan = RequireLink("veth-host.42");
        Assert.Multiple(() =>
        {
            Assert.That((vlan.Kind, vlan.VlanId, vlan.ParentIndex, vlan.Mtu, vlan.IsUp),
                Is.EqualTo(("vlan", (int?)42, (int?)parent, 1400, false)));
            Assert.That(AddressGenerationMode(vlan.Index), Is.EqualTo(IN6_ADDR_GEN_MODE_NONE));
        });
    }

    [Test]
    public void Calls_from_several_threads_each_get_their_own_answer()
    {
        Client.CreateBridge("br-a", mtu: 1401);
        Client.CreateBridge("br-b", mtu: 1402);

        var results = new System.Collections.Concurrent.ConcurrentBag<bool>();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            string name = i % 2 == 0 ? "br-a" : "br-b";
            results.Add(Client.FindLink(name)?.Mtu == (i % 2 == 0 ? 1401 : 1402) && Client.ListLinks().Count == 3);
        });

        Assert.That(results, Has.Count.EqualTo(200).And.All.True);
    }

    /// <summary>IFLA_INET6_ADDR_GEN_MODE as the kernel reports it in IFLA_AF_SPEC / AF_INET6.</summary>
    private byte? AddressGenerationMode(int index)
    {
        Span<byte> buffer = stackalloc byte[64];
        var request = new NetlinkMessageWriter(buffer, RTM_GETLINK, 0);
        request.Write(new ifinfomsg { ifi_index = index });
        var message = Client.Request(request.Complete()).Single();
        var link = new NetlinkAttributeReader(message.Payload.AsSpan(Unsafe.SizeOf<ifinfomsg>()));
        while (link.TryRead(out ushort type, out ReadOnlySpan<byte> value))
        {
            if (type != IFLA_AF_SPEC)
                continue;
            var families = new NetlinkAttributeReader(value);
            while (families.TryRead(out ushort family, out ReadOnlySpan<byte> settings))
            {
                if (family != AF_INET6)
                    continue;
                var inet6 = new NetlinkAttributeReader(settings);
                while (inet6.TryRead(out ushort setting, out ReadOnlySpan<byte> mode))
                {
                    if (setting == IFLA_INET6_ADDR_GEN_MODE)
                        return mode[0];
                }
            }
        }
        return null;
    }
}
