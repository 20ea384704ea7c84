using System.Net;
using L2Vlan.Domain;
using L2Vlan.Driver;
using L2Vlan.Policy;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;

namespace L2Vlan.Tests.Driver;

/// <summary>
/// The administrator's policy at network create and at join: refusals change nothing, older networks keep working.
/// </summary>
public class AdminPolicyTests
{
    private TestState _state = null!;

    [SetUp]
    public void SetUp() => _state = TestState.WithNics("eno1", "eno2");

    [TearDown]
    public void TearDown() => _state.Dispose();

    private static readonly SubnetRecord Subnet =
        new(Cidr.ParseNetwork("192.168.1.0/24", "subnet"), Address("192.168.1.1/24"));

    private static InterfaceAddress Address(string text) =>
        InterfaceAddress.TryParse(text, out var address) ? address : throw new ArgumentException(text);

    private static NetworkSpec Network(string id, string extIf, int vlan, string? dad = null)
    {
        var options = new Dictionary<string, string> { ["vlan_id"] = $"{vlan}", ["ext_if"] = extIf };
        if (dad is not null) options["dad"] = dad;
        return new NetworkSpec(id, options, false, [Subnet], []);
    }

    private void Tighten(string text) => _state.Policy.Set(PolicyFile.Parse(text, _state.Policy.Path));

    [Test]
    public void A_network_outside_the_policy_is_refused_and_nothing_is_made_or_stored()
    {
        Tighten("allowed_ext_if = eno1\nallowed_vlans = 100-199, 2000\n");
        var vlan = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net1", "eno1", 300)))!.Message;
        Assert.That(vlan, Is.EqualTo("-o vlan_id=300 is not allowed on this host: allowed_vlans = 100-199, 2000 in " +
            "/etc/l2vlan/l2vlan.conf (ask the host's administrator)"));
        var nic = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net2", "eno2", 150)))!.Message;
        Assert.That(nic, Does.StartWith(
            "-o ext_if=eno2 is not allowed on this host: allowed_ext_if = eno1 in /etc/l2vlan/l2vlan.conf"));
        // macvlan's form is the same NIC and VLAN.
        var parent = new NetworkSpec("net3", new Dictionary<string, string> { ["parent"] = "eno1.300" }, false,
            [Subnet], []);
        var refused = Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(parent))!.Message;
        Assert.That(refused, Does.StartWith("-o vlan_id=300 "));

        Assert.That(_state.Files("networks"), Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Links.FindLink("vlan300"), Is.Null);
        Assert.That(_state.Links.FindLink("eno2.150"), Is.Null);
        Assert.That(_state.Firewall.Allows, Is.Zero);

        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net4", "eno1", 150)), "inside the policy");
    }

    [Test]
    public void A_network_made_before_the_policy_tightened_keeps_working_and_replays()
    {
        _state.Driver.CreateNetwork(Network("net1", "eno2", 300));
        Tighten("allowed_ext_if = eno1\nallowed_vlans = 2000\n");
        _state.Restart();
        Assert.DoesNotThrow(() => _state.Driver.CreateNetwork(Network("net1", "eno2", 300)),
            "a swarm network re-created under its ID");
        _state.Driver.CreateEndpoint("net1", "e1", Address("192.168.1.4/24"), null, null);
        Assert.That(_state.Driver.Join("net1", "e1").ContainerVeth, Is.Not.Empty);
        Assert.That(_state.Links.FindLink("vlan300"), Is.Not.Null);
        _state.Driver.DeleteEndpoint("net1", "e1");
        _state.Driver.DeleteNetwork("net1");
        Assert.That(_state.Files("bridges"), Is.Empty, "removed as ever");
        Assert.Throws<UserError>(() => _state.Driver.CreateNetwork(Network("net1", "eno2", 300)),
            "once gone, it is new again");
    }

    [Test]
    public void The_policys_dad_is_the_default_of_networks_without_the_option()
    {
        _state.Driver.CreateNetwork(Network("plain", "eno1", 2000));
        _state.Driver.CreateNetwork(Network("probing", "eno1", 2001, dad: "on"));
        // The probe starts when the endpoint is created: the policy in force then decides.
        Tighten("dad = off\n");
        _state.Driver.CreateEndpoint("plain", "e1", Address("192.168.1.4/24"), null, null);
        _state.Driver.Join("plain", "e1");
        Assert.That(_state.Links.Probes, Is.Empty, "no -o dad: the policy's off");
        _state.Driver.CreateEndpoint("probing", "e2", Address("192.168.1.5/24"), null, null);
        _state.Driver.Join("probing", "e2");
        Assert.That(_state.Links.Probes.Single().Addresses, Is.EqualTo(new[] { IPAddress.Parse("192.168.1.5") }),
            "-o dad=on wins");
    }
}
