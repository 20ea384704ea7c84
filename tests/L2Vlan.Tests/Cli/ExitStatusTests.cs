using L2Vlan.Host;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Cli;

/// <summary>
/// Every command's exit status: 2 when the command line is wrong (System.CommandLine's parse errors and the values
/// the commands check), 1 for a finding or a refusal, 0 for success.
/// </summary>
public class ExitStatusTests
{
    private string _folder = null!;
    private string Nowhere => Path.Combine(_folder, "nothing-listens.sock");

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("l2vlan-cli-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    [TestCase(new string[0], "Required command was not provided")]
    [TestCase(new[] { "bogus" }, "Unrecognized command or argument 'bogus'")]
    [TestCase(new[] { "status", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    [TestCase(new[] { "serve", "--log-level", "loud" }, "--log-level 'loud' is not a log level: expected trace, " +
        "debug, information (or info)")]
    [TestCase(new[] { "serve", "--log-level" }, "Required argument missing for option: '--log-level'")]
    [TestCase(new[] { "forget" }, "Required argument missing for command: 'forget'")]
    [TestCase(new[] { "adapter" }, "Required command was not provided")]
    [TestCase(new[] { "adapter", "status", "--wait", "-1" }, "--wait -1: expected a number of seconds, 0 or more")]
    [TestCase(new[] { "adapter", "install", "--wait", "soon" }, "soon")]
    [TestCase(new[] { "relay", "--listen" }, "Required argument missing for option: '--listen'")]
    [TestCase(new[] { "doctor", "extra" }, "Unrecognized command or argument 'extra'")]
    public async Task A_wrong_command_line_exits_2_and_says_what_is_wrong(string[] args, string message)
    {
        var run = await CliRun.Of(args);

        Assert.That(run.Status, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain(message), run.ToString());
    }

    [Test]
    public async Task A_log_level_in_the_environment_that_is_not_one_exits_2_naming_the_variable()
    {
        var run = await CliRun.WithEnvironment(name => name == "L2VLAN_LOG_LEVEL" ? "verbose" : null,
            "serve", "--state-dir", Path.Combine(_folder, "state"), "--socket", Path.Combine(_folder, "l2vlan.sock"));

        Assert.That(run.Status, Is.EqualTo(2), run.ToString());
        Assert.That(run.Error, Does.Contain("L2VLAN_LOG_LEVEL='verbose' (from the environment, or " +
            "/etc/default/l2vlan under systemd) is not a log level"));
        Assert.That(Directory.Exists(Path.Combine(_folder, "state")), Is.False, "nothing was started");
    }

    [TestCase("--help")]
    [TestCase("--version")]
    [TestCase("status", "--help")]
    [TestCase("adapter", "remove", "-h")]
    public async Task Help_and_version_exit_0(params string[] args)
    {
        var run = await CliRun.Of(args);

        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Is.Not.Empty);
        Assert.That(run.Error, Is.Empty);
    }

    [Test]
    public async Task Status_of_a_readable_state_exits_0()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "networks"));

        var run = await CliRun.Of("status", "--state-dir", _folder, "--docker-socket", Nowhere);

        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("networks: 0"));
    }

    [Test]
    public async Task Status_with_a_state_file_in_quarantine_exits_1()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "networks", "quarantine"));
        File.WriteAllText(Path.Combine(_folder, "networks", "quarantine", "net1.json.20261206T000000000Z"), "{");

        var run = await CliRun.Of("status", "--state-dir", _folder, "--docker-socket", Nowhere);

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("quarantined state files (unreadable; not served): 1"));
    }

    [Test]
    public async Task Doctor_with_nothing_running_exits_1()
    {
        var run = await CliRun.Of("doctor", "--state-dir", Path.Combine(_folder, "none"), "--socket", Nowhere,
            "--docker-socket", Nowhere);

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Output, Does.Contain("PROBLEM"));
    }

    [Test]
    public async Task Forget_when_the_service_does_not_answer_exits_1()
    {
        var run = await CliRun.Of("forget", "net1", "--socket", Nowhere);

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Contain($"the l2vlan service does not answer on {Nowhere} (there is no socket " +
            $"{Nowhere})"));
    }

    [TestCase("install")]
    [TestCase("status")]
    public async Task Adapter_when_Docker_does_not_answer_exits_1(string subcommand)
    {
        var run = await CliRun.Of("adapter", subcommand, "--docker-socket", Nowhere, "--wait", "0");

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error, Does.Contain($"Docker does not answer on {Nowhere}"));
    }

    [Test]
    public async Task Adapter_remove_when_Docker_does_not_answer_has_nothing_to_do_and_exits_0()
    {
        var run = await CliRun.Of("adapter", "remove", "--docker-socket", Nowhere);

        Assert.That(run.Status, Is.EqualTo(0), run.ToString());
        Assert.That(run.Output, Does.Contain("nothing to remove"));
    }

    [Test]
    public async Task Serve_refused_by_a_service_already_on_the_state_exits_1()
    {
        var settings = new ServiceSettings(Path.Combine(_folder, "l2vlan.sock"), Path.Combine(_folder, "state"),
            LogLevel.Warning);
        Directory.CreateDirectory(settings.StateDirectory);
        using var running = ServiceLock.Take(settings);

        var run = await CliRun.Of("serve", "--state-dir", settings.StateDirectory, "--socket", settings.SocketPath,
            "--log-level", "error");

        Assert.That(run.Status, Is.EqualTo(1), run.ToString());
        Assert.That(run.Error,
            Does.Contain("another l2vlan serve holds the state directory " + settings.StateDirectory));
        Assert.That(File.Exists(settings.SocketPath), Is.False, "it never listened");
    }
}
