using System.Runtime.CompilerServices;
using L2Vlan.Cli;

namespace L2Vlan.Tests.Host;

/// <summary>systemd/l2vlan.service and packaging/l2vlan.default as the package installs them, read from the checkout
/// the tests were built from.</summary>
public class ServiceUnitTests
{
    private static string Checkout(string path, [CallerFilePath] string here = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", path));

    private static string Unit() => Checkout("systemd/l2vlan.service");

    private static List<string> Settings(string name) =>
        Unit().Split('\n').Where(l => l.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(l => l[(name.Length + 1)..].Trim()).ToList();

    /// <summary>Each pool keeps its journal open: systemd's default soft limit, 1024, ran out at about 1,000
    /// pools.</summary>
    [Test]
    public void The_service_may_open_a_descriptor_per_pool_for_thousands_of_pools()
    {
        var limits = Settings("LimitNOFILE");
        Assert.That(limits, Has.Count.EqualTo(1), "one LimitNOFILE= line");
        Assert.That(int.TryParse(limits[0], out var limit), Is.True, $"LimitNOFILE={limits[0]}: expected a number");
        Assert.That(limit, Is.GreaterThanOrEqualTo(16384), "room for thousands of pools");
    }

    /// <summary>The log level is changed in /etc/default/l2vlan, not in the unit: the unit reads it, and serve reads
    /// the variable it sets.</summary>
    [Test]
    public void The_unit_reads_the_log_level_from_the_packages_default_file()
    {
        Assert.That(Settings("EnvironmentFile"), Is.EqualTo(new[] { "-/etc/default/l2vlan" }));
        Assert.That(Settings("ExecStart").Single(), Does.Not.Contain("--log-level"),
            "the option would win over the file");
        var setting = Checkout("packaging/l2vlan.default").Split('\n')
            .Single(l => l.TrimStart('#')
                .StartsWith(LogLevelOption.EnvironmentVariable + "=", StringComparison.Ordinal));
        Assert.That(LogLevelOption.Parse(setting.Split('=', 2)[1]), Is.Not.Null, $"{setting}: a level serve takes");
    }

    /// <summary>A wrong setting makes serve exit with the usage status: restarting would fail the same way, once a
    /// second.</summary>
    [Test]
    public void A_wrong_setting_is_not_restarted()
    {
        Assert.That(Settings("Restart"), Is.EqualTo(new[] { "on-failure" }));
        Assert.That(Settings("RestartPreventExitStatus"), Is.EqualTo(new[]
        {
            ExitCodes.Usage.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
    }

    /// <summary>systemctl reload runs l2vlan reload, which fails when the service refuses the policy file.</summary>
    [Test]
    public void Reload_reads_the_policy_file_through_the_service()
    {
        Assert.That(Settings("ExecReload"), Is.EqualTo(new[] { "/usr/bin/l2vlan reload" }));
        Assert.That(L2VlanCli.Create(_ => null).Subcommands.Select(c => c.Name), Has.Member("reload"));
        Assert.That(Checkout("debian/l2vlan.install").Split('\n'), Has.Member("packaging/l2vlan.conf etc/l2vlan"),
            "a file under /etc: a conffile of the package");
    }
}
