using L2Vlan.Cli;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Cli;

/// <summary><c>serve --log-level</c> and <c>L2VLAN_LOG_LEVEL</c> (l2vlan.service's /etc/default/l2vlan) as the service
/// binds them.</summary>
public class LogLevelOptionTests
{
    private static (LogLevel Level, string? Error) Bound(Func<string, string?> environment, params string[] args)
    {
        var parse = L2VlanCli.Create(environment).Parse(["serve", .. args]);
        Assert.That(parse.Errors, Is.Empty, string.Join("; ", parse.Errors.Select(e => e.Message)));
        return LogLevelOption.Resolve(parse.GetValue<LogLevel?>("--log-level"), environment);
    }

    private static Func<string, string?> Environment(string? logLevel) => name =>
        name == LogLevelOption.EnvironmentVariable ? logLevel : null;

    [TestCase("trace", LogLevel.Trace)]
    [TestCase("debug", LogLevel.Debug)]
    [TestCase("DEBUG", LogLevel.Debug)]
    [TestCase("information", LogLevel.Information)]
    [TestCase("info", LogLevel.Information)]
    [TestCase("Information", LogLevel.Information)]
    [TestCase("warning", LogLevel.Warning)]
    [TestCase("Warn", LogLevel.Warning)]
    [TestCase("error", LogLevel.Error)]
    [TestCase("critical", LogLevel.Critical)]
    [TestCase("none", LogLevel.None)]
    public void The_option_takes_the_usual_names_in_any_case(string name, LogLevel expected)
    {
        Assert.That(Bound(Environment(null), "--log-level", name), Is.EqualTo((expected, (string?)null)));
    }

    [TestCase("debug", LogLevel.Debug)]
    [TestCase("WARN", LogLevel.Warning)]
    [TestCase(" error\n", LogLevel.Error)]
    public void Without_the_option_the_environment_sets_it(string value, LogLevel expected)
    {
        Assert.That(Bound(Environment(value)), Is.EqualTo((expected, (string?)null)));
    }

    [TestCase(null)]
    [TestCase("")]
    public void Without_either_it_is_information(string? value)
    {
        Assert.That(Bound(Environment(value)), Is.EqualTo((LogLevel.Information, (string?)null)));
    }

    [Test]
    public void The_option_wins_over_the_environment()
    {
        Assert.That(Bound(Environment("debug"), "--log-level", "error").Level, Is.EqualTo(LogLevel.Error));
        Assert.That(Bound(Environment("not-a-level"), "--log-level", "error"),
            Is.EqualTo((LogLevel.Error, (string?)null)),
            "a wrong environment does not matter when the option is given");
    }

    [Test]
    public void A_long_wrong_value_is_cut_short_in_the_error()
    {
        var (_, error) = Bound(Environment(new string('x', 500)));

        Assert.That(error, Does.StartWith($"L2VLAN_LOG_LEVEL='{new string('x', 20)}…'"));
        Assert.That(error!, Has.Length.LessThan(250));
    }

    [Test]
    public async Task Help_names_the_values_options_take()
    {
        var serve = (await CliRun.Of("serve", "--help")).Output;
        var forget = (await CliRun.Of("forget", "--help")).Output;
        var adapter = (await CliRun.Of("adapter", "install", "--help")).Output;

        Assert.Multiple(() =>
        {
            Assert.That(serve, Does.Contain("--log-level <LEVEL>"));
            Assert.That(serve, Does.Contain("trace, debug, information (or info), warning (or warn), error, critical " +
                "or none"));
            Assert.That(serve, Does.Contain("--socket <PATH>"));
            Assert.That(serve, Does.Contain("--state-dir <DIR>"));
            Assert.That(forget, Does.Contain(" forget <NETWORK> [options]"));
            Assert.That(adapter, Does.Contain("--docker-socket <PATH>"));
            Assert.That(adapter, Does.Contain("--wait <SECONDS>"));
        });
    }
}
