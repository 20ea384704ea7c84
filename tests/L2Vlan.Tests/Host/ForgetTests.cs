using System.Net;
using L2Vlan.Clients;
using L2Vlan.Domain;
using L2Vlan.Host;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Host;

/// <summary>
/// <c>l2vlan forget</c> as the service runs it: refused while Docker has the network or cannot say, and otherwise
/// everything of the network goes as Docker's own removal would take it.
/// </summary>
public class ForgetTests : StateOnEno1
{
    private const string Subnet = "192.168.2.0/24";
    private const string Router = "192.168.2.1";

    private sealed class FakeDocker : IDockerNetworks
    {
        public List<DockerNetwork> Networks { get; } = [];
        public bool Down { get; set; }
        /// <summary>Thrown by the listing, as Docker's client would throw it.</summary>
        public Exception? Failure { get; set; }
        /// <summary>Docker takes its time: the listing waits until the caller cancels.</summary>
        public bool Slow { get; set; }

        public async Task<IReadOnlyList<DockerNetwork>> ListNetworksAsync(CancellationToken cancel)
        {
            if (Slow) await Task.Delay(Timeout.Infinite, cancel);
            if (Failure is not null) throw Failure;
            return Down ? throw new HttpRequestException("Connection refused") : Networks.ToList();
        }
    }

    private FakeDocker _docker = null!;
    private AdminCalls _admin = null!;
    private RecordingLogger<AdminCalls> _log = null!;

    [SetUp]
    public void SetUp()
    {
        _docker = new FakeDocker();
        _log = new RecordingLogger<AdminCalls>();
        _admin = new AdminCalls(_state.Driver, _docker, _log);
    }

    /// <summary>A network as Docker makes it (pool, gateway, CreateNetwork) with a joined container; returns the
    /// container's address.</summary>
    private IPAddress NetworkWithContainer(string id, string endpoint, string? aux = null)
    {
        var pool = _state.IpamService.RequestPool(Cidr.ParseNetwork(Subnet, "--subnet"), null, v6: false);
        _state.IpamService.RequestAddress(pool, IPAddress.Parse(Router), gateway: true);
        if (aux is not null) _state.IpamService.RequestAddress(pool, IPAddress.Parse(aux), gateway: false);
        _state.Driver.CreateNetwork(Networks.Vlan2000(id, Networks.Subnet(Subnet, Router)) with
        {
            AuxAddresses = aux is null ? [] : [IPAddress.Parse(aux)],
        });
        var address = _state.IpamService.RequestAddress(pool, null, gateway: false);
        _state.Driver.CreateEndpoint(id, endpoint, address, null, null);
        _state.Driver.Join(id, endpoint);
        return address.Address;
    }

    private Task<string> Forget(string network, bool force = false) =>
        _admin.ForgetAsync(new ForgetRequest { Network = network, Force = force }, CancellationToken.None);

    [Test]
    public void Refuses_while_Docker_still_has_the_network_and_changes_nothing()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Networks.Add(new DockerNetwork("abc123", "net1", "l2vlan"));
        var files = _state.Files("networks").Concat(_state.Files("pools")).ToList();

        var refused = Assert.ThrowsAsync<UserError>(() => Forget("abc"));
        Assert.That(refused!.Message, Does.Contain("Docker still knows network abc123").And.Contain("docker network " +
            "rm net1"));
        Assert.That(_state.Driver.Networks.Select(n => n.NetworkId), Is.EqualTo(new[] { "abc123" }));
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null);
        Assert.That(_state.Links.ListLinks().Count(l => l.Name.StartsWith("l2v", StringComparison.Ordinal)),
            Is.EqualTo(1));
        Assert.That(_state.Files("networks").Concat(_state.Files("pools")), Is.EqualTo(files));
    }

    [Test]
    public void Refuses_when_Docker_does_not_answer_unless_forced()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Down = true;

        var refused = Assert.ThrowsAsync<UserError>(() => Forget("abc123"));
        Assert.That(refused!.Message, Does.Contain("Docker could not be asked").And.Contain("--force"));
        Assert.That(_state.Driver.Networks, Has.Count.EqualTo(1));

        Assert.That(Forget("abc123", force: true).Result, Is.EqualTo("abc123"));
        Assert.That(_state.Driver.Networks, Is.Empty);
    }

    [Test]
    public void Removes_the_veths_addresses_pool_bridge_rule_and_records_of_a_network_Docker_no_longer_has()
    {
        NetworkWithContainer("abc123", "ep1", aux: "192.168.2.200");
        _docker.Networks.Add(new DockerNetwork("other", "bridge", "bridge"));

        Assert.That(Forget("abc").Result, Is.EqualTo("abc123"));

        Assert.That(_state.Links.ListLinks().Select(l => l.Name), Is.EqualTo(new[] { "eno1" }),
            "veth, bridge and sub-interface gone; the NIC stays");
        Assert.That(_state.Firewall.Accepted, Is.Empty);
        Assert.That(_state.Files("networks"), Is.Empty);
        Assert.That(_state.Files("bridges"), Is.Empty);
        Assert.That(_state.Files("pools"), Is.Empty, "the pool's one request, its container's address and the aux " +
            "address are released");
        Assert.That(_state.IpamService.Pools, Is.Empty);
    }

    [Test]
    public void Keeps_the_bridge_and_pool_another_network_uses_and_frees_only_the_forgotten_ones_addresses()
    {
        var gone = NetworkWithContainer("abc123", "ep1");
        var kept = NetworkWithContainer("def456", "ep2");

        Assert.That(Forget("abc").Result, Is.EqualTo("abc123"));

        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null);
        Assert.That(_state.Firewall.Accepted, Does.Contain("vlan2000"));
        var pool = _state.IpamService.Pools.Single();
        Assert.That(pool.Holders, Is.EqualTo(1), "def456's request holds the pool");
        Assert.That(pool.Find(gone), Is.Null);
        Assert.That(pool.Find(kept), Is.Not.Null);
        Assert.That(_state.Links.ListLinks().Count(l => l.Name.StartsWith("l2v", StringComparison.Ordinal)),
            Is.EqualTo(1), "ep2's veth stays");
    }

    [Test]
    public void Names_a_network_by_a_unique_prefix_only()
    {
        Assert.That(AdminCalls.Resolve(["abc123", "abd456"], "abc"), Is.EqualTo("abc123"));
        Assert.That(AdminCalls.Resolve(["abc", "abcd"], "abc"), Is.EqualTo("abc"),
            "an exact ID wins over the longer one it starts");
        Assert.That(() => AdminCalls.Resolve(["abc123", "abd456"], "ab"),
            Throws.TypeOf<UserError>().With.Message.Contains("give more of the ID"));
        Assert.That(() => AdminCalls.Resolve(["abc123"], "x"),
            Throws.TypeOf<UserError>().With.Message.Contains("no network whose ID starts with 'x'"));
        Assert.That(() => AdminCalls.Resolve(["abc123"], " "), Throws.TypeOf<UserError>());
    }

    [Test]
    public async Task The_admin_call_answers_in_its_own_JSON_with_Err_on_a_refusal()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Networks.Add(new DockerNetwork("abc123", "net1", "l2vlan"));
        var request = """{"Network":"abc"}"""u8.ToArray();
        var (status, body) = await _admin.HandleAsync(AdminCalls.ForgetPath, request, CancellationToken.None);
        Assert.That(status, Is.EqualTo(400));
        Assert.That(System.Text.Encoding.UTF8.GetString(body),
            Does.Contain("\"Err\"").And.Contain("Docker still knows"));

        _docker.Networks.Clear();
        (status, body) = await _admin.HandleAsync(AdminCalls.ForgetPath, request, CancellationToken.None);
        Assert.That(status, Is.EqualTo(200));
        Assert.That(System.Text.Encoding.UTF8.GetString(body), Is.EqualTo("""{"NetworkId":"abc123"}"""));
    }

    [Test]
    public void A_forced_forget_stops_when_its_caller_goes_away_before_Docker_answers()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Slow = true;
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.CatchAsync<OperationCanceledException>(() =>
            _admin.ForgetAsync(new ForgetRequest { Network = "abc123", Force = true }, caller.Token));
        Assert.That(_state.Driver.Networks.Select(n => n.NetworkId), Is.EqualTo(new[] { "abc123" }),
            "nothing forgotten");
        Assert.That(_state.Files("networks"), Is.EqualTo(new[] { "abc123.json" }));
        Assert.That(_state.Links.FindLink("vlan2000"), Is.Not.Null);
    }

    [Test]
    public async Task The_admin_call_says_nothing_was_forgotten_when_its_caller_went_away()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Slow = true;
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var request = """{"Network":"abc123","Force":true}"""u8.ToArray();
        var (status, body) = await _admin.HandleAsync(AdminCalls.ForgetPath, request, caller.Token);
        Assert.That(status, Is.EqualTo(400));
        Assert.That(System.Text.Encoding.UTF8.GetString(body), Does.Contain("nothing was forgotten"));
        Assert.That(_state.Driver.Networks, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_forced_forget_goes_ahead_when_Docker_does_not_answer_in_time()
    {
        NetworkWithContainer("abc123", "ep1");
        // What Docker's client throws at its own time limit: cancelled, but not by the caller.
        _docker.Failure = new TaskCanceledException("The request was canceled due to the configured " +
            "HttpClient.Timeout of 10 seconds elapsing.");

        var refused = Assert.ThrowsAsync<UserError>(() => Forget("abc123"));
        Assert.That(refused!.Message, Does.Contain("(no answer within 10 s)"));
        Assert.That(Forget("abc123", force: true).Result, Is.EqualTo("abc123"));
        Assert.That(_state.Driver.Networks, Is.Empty);
    }

    [TestCase("json")]
    [TestCase("io")]
    [TestCase("api")]
    public void Dockers_failure_is_told_in_l2vlans_words_and_its_own_message_goes_to_the_journal(string kind)
    {
        NetworkWithContainer("abc123", "ep1");
        const string DockersOwn = "docker's own words x7q";
        _docker.Failure = kind switch
        {
            "json" => new System.Text.Json.JsonException(DockersOwn),
            "io" => new IOException(DockersOwn),
            _ => new DockerApiException(500, DockersOwn),
        };

        var refused = Assert.ThrowsAsync<UserError>(() => Forget("abc123"));
        Assert.That(refused!.Message, Does.StartWith("Docker could not be asked whether it still knows network " +
            "abc123 (").And.Not.Contain("x7q"));
        TestContext.Out.WriteLine(refused.Message);
        Assert.That(_log.Entries,
            Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Warning
                && e.Message.Contains("x7q")));
    }

    [Test]
    public async Task An_unexpected_failure_answers_a_generic_message_and_journals_the_exception()
    {
        NetworkWithContainer("abc123", "ep1");
        _docker.Failure = new InvalidOperationException("/var/lib/other/file: s3cr3t");

        var request = """{"Network":"abc123","Force":true}"""u8.ToArray();
        var (status, body) = await _admin.HandleAsync(AdminCalls.ForgetPath, request, CancellationToken.None);
        var text = System.Text.Encoding.UTF8.GetString(body);
        Assert.That(status, Is.EqualTo(500));
        Assert.That(text,
            Does.Contain("journalctl -u l2vlan").And.Not.Contain("s3cr3t").And.Not.Contain("/var/lib/other"));
        Assert.That(_log.Entries,
            Has.Some.Matches<(LogLevel Level, string Message)>(e => e.Level == LogLevel.Error
                && e.Message.Contains("L2Vlan.Forget")));
        Assert.That(_state.Driver.Networks, Has.Count.EqualTo(1), "nothing forgotten");
    }
}
