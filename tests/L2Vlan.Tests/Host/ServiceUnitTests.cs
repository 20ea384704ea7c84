using System.Runtime.CompilerServices;

namespace L2Vlan.Tests.Host;

/// <summary>systemd/l2vlan.service as the package installs it, read from the checkout the tests were built from.</summary>
public class ServiceUnitTests
{
    private static string Unit([CallerFilePath] string here = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "systemd", "l2vlan.service"));

    /// <summary>Each pool keeps its journal open: systemd's default soft limit, 1024, ran out at about 1,000 pools.</summary>
    [Test]
    public void The_service_may_open_a_descriptor_per_pool_for_thousands_of_pools()
    {
        var limits = Unit().Split('\n').Where(l => l.StartsWith("LimitNOFILE=", StringComparison.Ordinal)).ToList();
        Assert.That(limits, Has.Count.EqualTo(1), "one LimitNOFILE= line");
        var value = limits[0]["LimitNOFILE=".Length..].Trim();
        Assert.That(int.TryParse(value, out var limit), Is.True, $"LimitNOFILE={value}: expected a number");
        Assert.That(limit, Is.GreaterThanOrEqualTo(16384), "room for thousands of pools");
    }
}
