using System.Text;
using System.Text.Json;
using L2Vlan.Host;
using L2Vlan.Policy;
using L2Vlan.Tests.Cli;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Host;

/// <summary>
/// The policy file under the real service on its socket: read at start, read again by <c>l2vlan reload</c>, a file that
/// does not parse refused with its line (the policy in force stays), and Docker's create refused as Docker shows it.
/// </summary>
public class PolicyReloadTests
{
    private const string NetworkId = "5f3c2a1b0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";
    private InProcessService _service = null!;
    private string _socket = null!;
    private string _config = null!;

    [SetUp]
    public void SetUp()
    {
        _service = new InProcessService(Path.GetTempPath(), "policy", ["eno1", "eno2"], LogLevel.Information);
        _socket = _service.Socket;
        _config = Path.Combine(_service.Folder, "l2vlan.conf");
    }

    [TearDown]
    public async Task TearDown() => await _service.DisposeAsync();

    private async Task Start(bool logLevelFromPolicy = true) =>
        await _service.StartAsync(settings: made => made with
        {
            PolicyPath = _config,
            LogLevelFromPolicy = logLevelFromPolicy,
        });

    private CurrentPolicy InForce => _service.Services.GetRequiredService<CurrentPolicy>();

    private async Task<string?> CreateNetwork(string extIf, int vlan)
    {
        using var http = FakeKernelHost.Client(_socket);
        var body = $$"""
            {"NetworkID": "{{NetworkId}}",
             "Options": {"com.docker.network.generic": {"ext_if": "{{extIf}}", "vlan_id": "{{vlan}}"} },
             "IPv4Data": [{"AddressSpace": "LocalDefault", "Pool": "192.168.1.0/24", "Gateway": "192.168.1.1/24"}]}
            """;
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        using var reply = await http.PostAsync("/NetworkDriver.CreateNetwork", content);
        var json = JsonDocument.Parse(await reply.Content.ReadAsStringAsync()).RootElement;
        return json.TryGetProperty("Err", out var err) && err.GetString() is { Length: > 0 } text ? text : null;
    }

    [Test]
    public async Task A_missing_file_is_the_defaults()
    {
        await Start();
        Assert.That(InForce.Value, Is.EqualTo(AdminPolicy.Defaults));
        Assert.That(await CreateNetwork("eno2", 300), Is.Null);
    }

    [Test]
    public async Task Docker_is_refused_with_the_setting_and_a_reload_puts_a_new_policy_in_force()
    {
        File.WriteAllText(_config, "allowed_vlans = 2000\n");
        await Start();
        Assert.That(await CreateNetwork("eno1", 300), Is.EqualTo(
            $"-o vlan_id=300 is not allowed on this host: allowed_vlans = 2000 in {_config} " +
            "(ask the host's administrator)"));

        File.WriteAllText(_config, "allowed_vlans = 2000, 300\nallowed_ext_if = eno1\n");
        var run = await CliRun.Of("reload", "--socket", _socket);
        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("policy in force: allowed_ext_if = eno1; allowed_vlans = 2000, 300;"));
        Assert.That(await CreateNetwork("eno1", 300), Is.Null);
    }

    [Test]
    public async Task A_file_that_does_not_parse_is_refused_by_reload_and_the_policy_in_force_stays()
    {
        File.WriteAllText(_config, "allowed_vlans = 2000\n");
        await Start();
        File.WriteAllText(_config, "allowed_vlans = 2000, 300\n# half-way through an edit\nallowed_ext_if = eno1,\n");
        var run = await CliRun.Of("reload", "--socket", _socket);
        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Is.EqualTo($"l2vlan reload: {_config} line 3: allowed_ext_if: expected any, " +
            "or NIC names separated by commas (example: eno1, bond0); the policy in force stays\n"));
        Assert.That(InForce.Value.Vlans, Is.EqualTo(new[] { new VlanRange(2000, 2000) }),
            "nothing of the new file is used");
        Assert.That(await CreateNetwork("eno1", 300), Does.Contain("allowed_vlans = 2000 in"));
    }

    [Test]
    public async Task The_log_level_follows_the_file_unless_the_option_or_environment_fixed_it()
    {
        File.WriteAllText(_config, "log_level = warning\n");
        await Start();
        var level = _service.Services.GetRequiredService<LogLevelSwitch>();
        Assert.That(level.Level, Is.EqualTo(LogLevel.Warning));
        File.WriteAllText(_config, "log_level = debug\n");
        Assert.That((await CliRun.Of("reload", "--socket", _socket)).Status, Is.EqualTo(0));
        Assert.That(level.Level, Is.EqualTo(LogLevel.Debug));
        Assert.That(level.Logs("L2Vlan.Driver.NetworkDriver", LogLevel.Debug), Is.True);
        Assert.That(level.Logs("L2Vlan.Driver.NetworkDriver", LogLevel.Trace), Is.False);

        var fixedLevel = new LogLevelSwitch(LogLevel.Error, fromPolicy: false);
        fixedLevel.FollowPolicy(LogLevel.Debug);
        Assert.That(fixedLevel.Level, Is.EqualTo(LogLevel.Error), "--log-level and L2VLAN_LOG_LEVEL win over the file");
        Assert.That(fixedLevel.Logs("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error), Is.True);
        var information = new LogLevelSwitch(LogLevel.Information, fromPolicy: true);
        Assert.That(information.Logs("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information), Is.False,
            "Kestrel's per-request lines only at debug");
    }

    [Test]
    public async Task Serve_refuses_to_start_on_a_file_that_does_not_parse_with_exit_status_2()
    {
        File.WriteAllText(_config, "allowed_vlans = 2000\ndad = maybe\n");
        var run = await CliRun.Of("serve", "--state-dir", _service.StateDirectory, "--socket", _socket,
            "--config", _config, "--log-level", "error");
        Assert.That(run.Status, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain($"l2vlan serve: {_config} line 2: dad: expected on or off; not started"));
        Assert.That(run.Error, Does.Not.Contain("maybe"), "the value is not repeated");
        Assert.That(File.Exists(_socket), Is.False, "it never listened");
    }

    [Test]
    public async Task Reload_without_a_service_exits_1()
    {
        var run = await CliRun.Of("reload", "--socket", _socket);
        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Contain("l2vlan reload: the l2vlan service does not answer"));
    }

    [Test]
    public void A_network_made_before_the_policy_tightened_is_named_in_the_journal()
    {
        using var state = TestState.WithNics("eno1", "eno2");
        state.Driver.CreateNetwork(new L2Vlan.Driver.NetworkSpec("older",
            new Dictionary<string, string> { ["ext_if"] = "eno2", ["vlan_id"] = "300" }, false, [], []));
        File.WriteAllText(_config, "allowed_ext_if = eno1\n");
        var log = new RecordingLogger<PolicyLoader>();
        var level = new LogLevelSwitch(LogLevel.Information, true);
        var loader = new PolicyLoader(new CurrentPolicy(_config), level, state.Driver, log);
        loader.Reload();
        Assert.That(log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message), Is.EqualTo(new[]
        {
            "Network older (ext_if eno2, VLAN 300) is outside the policy (allowed_ext_if = eno1); it keeps working, " +
            "and a new network like it is refused",
        }));
    }
}
