using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Netlink;

/// <summary>
/// The checks of links l2vlan did not make (Driver/ForeignLinks) on a real kernel, in a private namespace: what the
/// kernel reports (loopback, bridges, veths, VLAN parents and addresses) is what the checks read. The VLAN
/// sub-interface tests need the kernel's 802.1Q support and are skipped without it.
/// </summary>
public class ForeignLinkKernelTests : PrivateNamespaceFixture
{
    private TestState _state = null!;

    [SetUp]
    public void NicAndState()
    {
        Client.CreateVethPair("nic0", "nic0p", peerMac: null, mtu: null);
        Client.SetUp(RequireLink("nic0").Index);
        _state = TestState.OnKernel(Client);
    }

    [TearDown]
    public void DisposeState() => _state?.Dispose();

    private static NetworkSpec Network(string extIf, int vlanId, int? mtu = null)
    {
        var options = new Dictionary<string, string> { ["vlan_id"] = vlanId.ToString(), ["ext_if"] = extIf };
        if (mtu is not null) options["mtu"] = mtu.ToString()!;
        return new NetworkSpec("net1", options, false, [], []);
    }

    private string[] Links() => Client.ListLinks().Select(l => $"{l.Name} {l.Kind} {l.MasterIndex} {l.Mtu} {l.IsUp}")
        .ToArray();

    private void AssertRefused(NetworkSpec network, params string[] expected)
    {
        var before = Links();
        var error = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(network));
        foreach (var text in expected) Assert.That(error!.Message, Does.Contain(text));
        TestContext.Out.WriteLine(error!.Message);
        Assert.That(Links(), Is.EqualTo(before), "no link made or changed");
        Assert.That(_state.Files("bridges").Concat(_state.Files("networks")), Is.Empty);
    }

    /// <summary>A VLAN sub-interface of nic0 made as a user would; the test is skipped on a kernel without
    /// 802.1Q.</summary>
    private void UsersVlanLink(int vlanId, int mtu)
    {
        try
        {
            Client.CreateVlan($"nic0.{vlanId}", RequireLink("nic0").Index, vlanId, mtu);
        }
        catch (L2Vlan.Netlink.NetlinkException e) when (e.Errno == 95)
        {
            Assert.Ignore($"kernel has no 802.1Q support: {e.Message}");
        }
        Client.SetUp(RequireLink($"nic0.{vlanId}").Index);
    }

    [Test]
    public void The_kernel_marks_the_loopback_and_nothing_else()
    {
        Client.CreateBridge("br-x", mtu: null);
        Assert.That(Client.ListLinks().Where(l => l.IsLoopback).Select(l => l.Name), Is.EqualTo(new[] { "lo" }));
    }

    [Test]
    public void The_loopback_a_bridge_and_a_containers_veth_are_refused_as_ext_if()
    {
        Client.CreateBridge("docker0", mtu: null);
        Client.CreateVethPair("vethc1", "vethc1p", peerMac: null, mtu: null);
        Client.SetMaster(RequireLink("vethc1").Index, RequireLink("docker0").Index);

        AssertRefused(Network("lo", 20), "-o ext_if=lo is the loopback", "expected the NIC that carries the VLAN");
        AssertRefused(Network("docker0", 20), "-o ext_if=docker0 is a bridge");
        AssertRefused(Network("vethc1", 20), "-o ext_if=vethc1 is a container's veth, a port of docker0");
    }

    [Test]
    public void The_hosts_own_vlan_sub_interface_with_an_address_is_refused_and_left_as_it_was()
    {
        UsersVlanLink(3010, mtu: 1500);
        Client.AddAddress(RequireLink("nic0.3010").Index, IPAddress.Parse("10.99.0.2"), 24);

        AssertRefused(Network("nic0", 3010, mtu: 1400), "-o ext_if=nic0 -o vlan_id=3010",
            "the host has the address 10.99.0.2 on it");
        Assert.That(Client.ListAddresses(RequireLink("nic0.3010").Index).Select(a => a.Address),
            Does.Contain(IPAddress.Parse("10.99.0.2")));
    }

    [Test]
    public void An_unused_vlan_sub_interface_is_used_then_left_with_its_mtu()
    {
        UsersVlanLink(40, mtu: 1400);
        // Up, it has the IPv6 link-local address the kernel gives it, which is no use of it.
        _state.Driver.CreateNetwork(Network("nic0", 40));
        Assert.That(RequireLink("nic0.40").MasterIndex, Is.EqualTo(RequireLink("vlan40").Index));

        _state.Driver.DeleteNetwork("net1");
        var kept = RequireLink("nic0.40");
        Assert.That((kept.Mtu, kept.MasterIndex), Is.EqualTo((1400, (int?)null)));
        Assert.That(Client.FindLink("vlan40"), Is.Null);
    }
}
