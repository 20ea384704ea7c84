using System.Net;
using L2Vlan.Adapter;
using L2Vlan.Clients;
using L2Vlan.Doctor;
using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.State;
using L2Vlan.Tests.Firewall;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Doctor;

/// <summary>
/// Each check of <c>l2vlan doctor</c> over facts taken from a fake host: a healthy one finds nothing, and each fault
/// is found with its fix, and found no more once the fault is undone.
/// </summary>
public class DoctorChecksTests : StateOnEno1
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [SetUp]
    public void SetUp()
    {
        _state.Links.SetUp(_state.Links.FindLink("eno1")!.Index);
        var pool = _state.IpamService.RequestPool(Cidr.ParseNetwork("192.168.2.0/24", "--subnet"), null, v6: false);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse("192.168.2.1"), gateway: true);
        _state.Driver.CreateNetwork(Networks.Vlan2000("net1id", Networks.Subnet("192.168.2.0/24", "192.168.2.1")));
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.Driver.CreateEndpoint("net1id", "ep1", address, null, null);
        _state.Driver.Join("net1id", "ep1");
    }

    private DoctorFacts Facts() => new()
    {
        StateDirectory = _state.Directory,
        State = StateView.Read(_state.Directory, NullLogger.Instance),
        Links = _state.Links.ListLinks(),
        Vlan = VlanSupport.Loadable,
        AcceptedBridges = _state.Firewall.Accepted.ToHashSet(),
        ForwardPolicy = "DROP",
        BridgeNetfilter = true,
        AcceptedBridges6 = new HashSet<string> { "vlan2000" },
        ForwardPolicy6 = "DROP",
        BridgeNetfilter6 = true,
        Nftables = new NftablesListing(NftRuleset.Parse("""{"nftables": []}"""), null),
        SocketPath = "/run/l2vlan/l2vlan.sock",
        SpecTarget = "unix:///run/l2vlan/l2vlan.sock",
        ServiceAnswers = true,
        ServiceVersion = BuildInfo.Version,
        DockerSocket = "/var/run/docker.sock",
        DockerAnswers = true,
        DockerNetworks = [new DockerNetwork("net1id", "net1", "l2vlan")],
        Adapter = new InstalledPlugin("id", AdapterSettings.PluginReference, true, $"l2vlan swarm adapter {Digest}"),
        AdapterDigest = Digest,
    };

    private static List<Finding> Problems(DoctorFacts facts) => L2Vlan.Doctor.Doctor.Examine(facts).Where(f => !f.Ok)
        .ToList();

    /// <summary>The one problem the fault makes, with its fix.</summary>
    private static Finding OneProblem(DoctorFacts facts, string check, string what, string? fix)
    {
        var problems = Problems(facts);
        Assert.That(problems, Has.Count.EqualTo(1), string.Join(Environment.NewLine, problems));
        Assert.That(problems[0].Check, Is.EqualTo(check));
        Assert.That(problems[0].What, Does.Contain(what));
        Assert.That(problems[0].Why, Is.Not.Empty);
        Assert.That(problems[0].Fix, Is.EqualTo(fix));
        return problems[0];
    }

    [Test]
    public void A_healthy_host_has_no_problem_and_every_check_says_so()
    {
        var findings = L2Vlan.Doctor.Doctor.Examine(Facts());
        Assert.That(findings.Where(f => !f.Ok), Is.Empty);
        Assert.That(findings.Select(f => f.Check).Distinct(), Is.SupersetOf(new[]
        {
            ServiceCheck.Name, StateFolderCheck.Name, KernelVlanCheck.Name, ExtIfCheck.Name, LinksCheck.Name,
            FirewallCheck.Name, NftablesCheck.Name, AddressesCheck.Name, DockerCheck.Name, DockerCheck.AdapterName,
            DockerNetworksCheck.Name,
        }));
        Assert.That(DoctorReport.Of("1.0", findings).Ok);
    }

    [Test]
    public void A_missing_accept_rule_is_found_with_a_restart_and_why_in_terms_of_the_FORWARD_policy()
    {
        _state.Firewall.Accepted.Clear();
        var problem = OneProblem(Facts(), FirewallCheck.Name, "bridge vlan2000 has no accept rule",
            "systemctl restart l2vlan");
        Assert.That(problem.Why, Does.Contain("FORWARD policy is DROP"));
        _state.Firewall.AllowBridged("vlan2000");
        Assert.That(Problems(Facts()), Is.Empty);
    }

    [Test]
    public void An_accept_rule_without_a_bridge_record_is_found_with_the_iptables_line_that_removes_it()
    {
        _state.Firewall.Accepted.Add("vlan9");
        OneProblem(Facts(), FirewallCheck.Name, "bridge vlan9",
            "iptables -D FORWARD -i vlan9 -o vlan9 -m comment --comment \"l2vlan bridge vlan9\" -j ACCEPT");
    }

    [Test]
    public void Ip6tables_is_checked_as_iptables_is_and_an_unreadable_one_is_no_problem()
    {
        OneProblem(Facts() with { AcceptedBridges6 = new HashSet<string>() }, FirewallCheck.Name,
            "bridge vlan2000 has no accept rule in ip6tables' FORWARD chain", "systemctl restart l2vlan");
        OneProblem(Facts() with { AcceptedBridges6 = new HashSet<string> { "vlan2000", "vlan9" } }, FirewallCheck.Name,
            "an accept rule for bridge vlan9 in ip6tables",
            "ip6tables -D FORWARD -i vlan9 -o vlan9 -m comment --comment \"l2vlan bridge vlan9\" -j ACCEPT");
        var noIPv6 = Facts() with { AcceptedBridges6 = null, FirewallError6 = "ip6tables -S FORWARD failed (exit 3)" };
        Assert.That(Problems(noIPv6), Is.Empty);
        Assert.That(L2Vlan.Doctor.Doctor.Examine(noIPv6).Select(f => f.What),
            Has.Some.StartsWith("ip6tables could not be read (ip6tables -S FORWARD failed (exit 3))"));
    }

    [Test]
    public void An_nftables_chain_that_drops_the_bridge_is_found_with_the_rule_that_allows_it_and_the_policy_file()
    {
        var problem = OneProblem(Facts() with { Nftables = RecordedRuleset.Listing("established") }, NftablesCheck.Name,
            "nftables chain inet hostfw forward drops the traffic of bridge vlan2000 (its policy drop)",
            "nft insert rule inet hostfw forward iifname \"vlan2000\" oifname \"vlan2000\" accept");
        Assert.That(problem.Why,
            Does.Contain("name this chain in /etc/l2vlan/l2vlan.conf (nftables_chain = inet hostfw forward)"));
        Assert.That(Problems(Facts() with { Nftables = RecordedRuleset.Listing("accepted") }), Is.Empty);
    }

    [Test]
    public void A_host_without_nft_is_fine_and_an_unreadable_ruleset_asks_for_root()
    {
        var findings = L2Vlan.Doctor.Doctor.Examine(Facts() with { Nftables = new NftablesListing(null, null) });
        Assert.That(findings.Where(f => !f.Ok), Is.Empty);
        Assert.That(findings.Single(f => f.Check == NftablesCheck.Name).What, Does.StartWith("nft is not installed"));
        OneProblem(Facts() with { Nftables = new NftablesListing(null, "nft -j list ruleset failed (exit 1)") },
            NftablesCheck.Name, "the nftables ruleset could not be read (nft -j list ruleset failed (exit 1))",
            "run doctor as root: sudo l2vlan doctor");
    }

    [Test]
    public void A_bridge_deleted_by_hand_is_found_and_a_restart_of_l2vlan_clears_it()
    {
        _state.Links.DeleteLink("vlan2000");
        OneProblem(Facts(), LinksCheck.Name, "bridge vlan2000 is missing", "systemctl restart l2vlan");
        _state.Restart();
        Assert.That(Problems(Facts()), Is.Empty);
    }

    [Test]
    public void A_missing_veth_and_a_veth_without_a_record_are_found()
    {
        var veth = _state.Driver.Networks.Single().Endpoints["ep1"].HostVeth!;
        _state.Links.DeleteLink(veth);
        OneProblem(Facts(), LinksCheck.Name, $"veth {veth} of endpoint ep1",
            "docker restart $(docker ps -q --filter network=net1id)");

        _state.Driver.Join("net1id", "ep1");
        _state.Links.CreateVethPair("l2vstray", "l2cstray", null, null);
        OneProblem(Facts(), LinksCheck.Name, "veth l2vstray", "ip link delete l2vstray");

        // The same veth, recorded as a deleted endpoint's that the service has yet to delete: no stray.
        var pending = Facts();
        pending.State!.Networks.Single().PendingVethDeletes.Add("l2vstray");
        Assert.That(Problems(pending), Is.Empty);
    }

    [Test]
    public void A_disabled_adapter_is_found_with_docker_plugin_enable()
    {
        var facts = Facts();
        OneProblem(facts with { Adapter = facts.Adapter! with { Enabled = false } }, DockerCheck.AdapterName,
            "disabled",
            "docker plugin enable l2vlan-swarm:latest");
        OneProblem(facts with { Adapter = null }, DockerCheck.AdapterName, "not installed", "l2vlan adapter install");
        OneProblem(facts with
        {
            Adapter = facts.Adapter! with { Description = "l2vlan swarm adapter sha256:" + new string('f', 64) },
        },
            DockerCheck.AdapterName, "another l2vlan's", "l2vlan adapter install");
    }

    [Test]
    public void A_network_Docker_no_longer_has_is_found_with_l2vlan_forget_and_its_veth_is_not_said_twice()
    {
        var veth = _state.Driver.Networks.Single().Endpoints["ep1"].HostVeth!;
        _state.Links.DeleteLink(veth);
        OneProblem(Facts() with { DockerNetworks = [] }, DockerNetworksCheck.Name, "net1id", "l2vlan forget net1id");
    }

    [Test]
    public void A_missing_or_down_ext_if_is_found_with_its_fix()
    {
        var up = Facts();
        var down = up with { Links = up.Links.Select(l => l.Name == "eno1" ? l with { IsUp = false } : l).ToList() };
        OneProblem(down, ExtIfCheck.Name, "ext_if eno1 is down", "ip link set eno1 up");

        _state.Links.DeleteLink("eno1.2000");
        _state.Links.DeleteLink("eno1");
        OneProblem(Facts(), ExtIfCheck.Name, "ext_if eno1 does not exist", "docker network rm net1id");
    }

    [Test]
    public void The_service_the_spec_file_Docker_and_802_1Q_are_each_found()
    {
        var facts = Facts();
        OneProblem(facts with { ServiceAnswers = false, ServiceError = "nothing listens on it" }, ServiceCheck.Name,
            "does not answer", "systemctl restart l2vlan");
        OneProblem(facts with { ServiceVersion = "0.2.0+0ld" }, ServiceCheck.Name,
            "the running service is l2vlan 0.2.0+0ld, the installed one is", "systemctl restart l2vlan");
        OneProblem(facts with { ServiceVersion = null }, ServiceCheck.Name,
            "the running service is l2vlan older than 0.2.0", "systemctl restart l2vlan");
        OneProblem(facts with { SpecTarget = "unix:///tmp/other.sock" }, ServiceCheck.Name,
            "points at unix:///tmp/other.sock",
            "echo unix:///run/l2vlan/l2vlan.sock > /etc/docker/plugins/l2vlan.spec");
        OneProblem(facts with { Vlan = VlanSupport.Missing }, KernelVlanCheck.Name, "no 802.1Q module", KernelVlanFix);
        OneProblem(facts with { DockerAnswers = false, DockerNetworks = null, Adapter = null }, DockerCheck.Name,
            "Docker does not answer", "systemctl start docker");
    }

    private static string KernelVlanFix => KernelVlanCheck.Run(new DoctorFacts
    {
        StateDirectory = "",
        SocketPath = "",
        DockerSocket = "",
        Vlan = VlanSupport.Missing,
    }).Single().Fix!;

    [Test]
    public void An_address_that_belongs_to_nothing_is_found()
    {
        var pool = _state.IpamService.Pools.Single();
        _state.IpamService.RequestAddress(pool.Id, IPAddress.Parse("192.168.2.77"), gateway: false);
        OneProblem(Facts(), AddressesCheck.Name, "address 192.168.2.77",
            "nothing removes it alone: re-create the pool's networks (docker network rm net1id, then create them " +
                "again) or ask for another address");
    }

    [Test]
    public void An_unreadable_state_folder_and_a_quarantined_file_are_found()
    {
        OneProblem(Facts() with { State = null, StateError = "permission denied" }, StateFolderCheck.Name,
            "cannot be read (permission denied)",
            "run doctor as root (sudo l2vlan doctor), or give the right folder: l2vlan doctor --state-dir DIR");
        var view = StateView.Read(_state.Directory, NullLogger.Instance);
        var file = Path.Combine(_state.Directory, "pools", ".quarantine", "x.json");
        OneProblem(Facts() with { State = view with { QuarantinedFiles = [file] } }, StateFolderCheck.Name,
            "quarantine", $"read it, then once nothing needs it: rm {file}");
    }

    [Test]
    public void The_firewall_listing_is_read_for_the_policy_and_l2vlan_s_rules_only()
    {
        var chain = L2Vlan.Firewall.ForwardChain.Parse("""
            -P FORWARD DROP
            -A FORWARD -j DOCKER-USER
            -A FORWARD -i vlan2000 -o vlan2000 -m comment --comment "l2vlan bridge vlan2000" -j ACCEPT
            -A FORWARD -i br9 -o br9 -m comment --comment "someone else's" -j ACCEPT
            -A FORWARD -i vlan2001 -o eth0 -m comment --comment "l2vlan bridge vlan2001" -j ACCEPT
            """);
        Assert.That(chain.Policy, Is.EqualTo("DROP"));
        Assert.That(chain.AcceptedBridges, Is.EquivalentTo(new[] { "vlan2000" }));
    }
}
