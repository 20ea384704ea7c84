using L2Vlan.Host;
using L2Vlan.Netlink;
using L2Vlan.Tests.Driver;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Netlink;

/// <summary>
/// The watcher on a real kernel, in a private namespace: a NIC (a veth here) that is re-created, or appears only after
/// the start, gets its VLAN link back, on the bridge and up, within 2 s. The kernel's 802.1Q support is needed for
/// all but the first test, which restores on a fake kernel from the real kernel's events.
/// </summary>
public class LinkWatcherTests : PrivateNamespaceFixture
{
    private const int Bound = 2000;

    private TestState _state = null!;

    [TearDown]
    public void DisposeState() => _state?.Dispose();

    /// <summary>Starts a watcher on this namespace's events; it stops with the test.</summary>
    private void Watch()
    {
        var events = Own(Host.Run(() => new LinkEventSocket(TimeSpan.FromMilliseconds(100))));
        var watcher = new LinkWatcher(events, _state.Recovery, NullLogger<LinkWatcher>.Instance);
        watcher.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        Own(new Stopper(watcher));
    }

    private sealed class Stopper(LinkWatcher watcher) : IDisposable
    {
        public void Dispose()
        {
            watcher.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
            watcher.Dispose();
        }
    }

    /// <summary>The "NIC": a veth, up as a real NIC would be once udev and the network configuration have it.</summary>
    private void AddNic()
    {
        Client.CreateVethPair("nic0", "nic0p", peerMac: null, mtu: null);
        Client.SetUp(RequireLink("nic0").Index);
    }

    private bool VlanLinkOnBridgeAndUp() =>
        Client.FindLink("nic0.100") is { Kind: "vlan", IsUp: true } vlan
            && vlan.MasterIndex == Client.FindLink("br100")?.Index;

    /// <summary>A network on nic0's VLAN 100; the test is skipped on a kernel without 802.1Q.</summary>
    private void NetworkOnNic()
    {
        AddNic();
        _state = TestState.OnKernel(Client);
        try
        {
            _state.Driver.CreateNetwork(LinkRestoreTests.Network("net1", "nic0", 100, "br100"));
        }
        catch (NetlinkException e) when (e.Errno == 95)
        {
            Assert.Ignore($"kernel has no 802.1Q support: {e.Message}");
        }
        Assert.That(VlanLinkOnBridgeAndUp(), Is.True, "the network's links");
    }

    [Test]
    public void A_recorded_nic_that_appears_is_restored_from_the_kernels_event()
    {
        // Records and links on a fake kernel whose eno1 went away; the event comes from the real one.
        _state = TestState.WithNics("eno1");
        _state.Driver.CreateNetwork(LinkRestoreTests.Network("net1", "eno1", 2000, "vlan2000"));
        _state.Links.DeleteLink("eno1.2000");
        _state.Links.DeleteLink("eno1");
        Watch();
        Thread.Sleep(300); // its first check, of every bridge, finds eno1 missing

        _state.Links.AddNic("eno1");
        Thread.Sleep(300);
        Assert.That(_state.Links.FindLink("eno1.2000"), Is.Null, "nothing happens before an event says so");
        Client.CreateVethPair("eno1", "eno1p", peerMac: null, mtu: null);

        Assert.That(Eventually(() => _state.Links.FindLink("eno1.2000") is { IsUp: true }, Bound), Is.True,
            "eno1.2000 restored within 2 s");
    }

    [Test]
    public void A_re_created_nic_gets_its_vlan_link_back()
    {
        NetworkOnNic();
        Watch();

        Client.DeleteLink("nic0");
        Assert.That(Client.FindLink("nic0.100"), Is.Null, "the kernel deleted the VLAN link with its NIC");
        AddNic();

        Assert.That(Eventually(VlanLinkOnBridgeAndUp, Bound), Is.True, "nic0.100 on br100 and up within 2 s");
    }

    [Test]
    public void A_nic_that_appears_after_the_start_gets_its_vlan_link()
    {
        NetworkOnNic();
        Client.DeleteLink("nic0");
        _state.Restart();
        Watch();
        Assert.That(Client.FindLink("nic0.100"), Is.Null);

        AddNic();

        Assert.That(Eventually(VlanLinkOnBridgeAndUp, Bound), Is.True, "nic0.100 on br100 and up within 2 s");
    }

    [Test]
    public void A_users_vlan_link_on_a_nic_no_record_names_is_never_touched()
    {
        NetworkOnNic();
        Watch();
        Client.CreateVethPair("other", "otherp", peerMac: null, mtu: null);
        Client.CreateVlan("other.100", RequireLink("other").Index, 100, null);
        Client.SetUp(RequireLink("other").Index);

        Thread.Sleep(500);

        Assert.That(RequireLink("other.100") is { IsUp: false, MasterIndex: null }, Is.True,
            "other.100 stays down and on no bridge");
    }
}
