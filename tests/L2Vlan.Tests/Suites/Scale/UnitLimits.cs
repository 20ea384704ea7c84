using System.Globalization;
using System.Text.RegularExpressions;

namespace L2Vlan.Tests.Suites.Scale;

/// <summary>
/// The limits the shipped unit (systemd/l2vlan.service) puts on the service, read from the file itself so that the
/// scale suite runs under whatever it says: LimitNOFILE (applied with prlimit), MemoryMax (with prlimit's address-space
/// limit is no equivalent, so a unit that sets it fails the suite until it is applied here) and WatchdogSec (given to
/// the service as systemd does, $WATCHDOG_USEC and $NOTIFY_SOCKET, and its pets checked).
/// </summary>
internal sealed partial record UnitLimits(int OpenFiles, string? MemoryMax, TimeSpan Watchdog)
{
    public static string UnitFile { get; } = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..",
        "..", "..", "systemd", "l2vlan.service"));

    public static UnitLimits Read()
    {
        var settings = File.ReadAllLines(UnitFile)
            .Select(line => line.Trim())
            .Where(line => !line.StartsWith('#') && line.Contains('='))
            .Select(line => (Name: line[..line.IndexOf('=')], Value: line[(line.IndexOf('=') + 1)..]))
            .GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g => g.Last().Value);
        var files = settings.TryGetValue("LimitNOFILE", out var nofile)
            ? int.Parse(nofile.Split(':')[0], CultureInfo.InvariantCulture)
            : 1024; // systemd's default soft limit
        return new UnitLimits(files, settings.GetValueOrDefault("MemoryMax"),
            Seconds(settings.GetValueOrDefault("WatchdogSec") ?? "0"));
    }

    /// <summary>systemd's time spans as the unit uses them: "30s", "2min", "30".</summary>
    private static TimeSpan Seconds(string value)
    {
        var match = TimeSpanPattern().Match(value.Trim());
        if (!match.Success)
            throw new FormatException($"WatchdogSec={value} in {UnitFile} is not a time span this suite reads");
        var number = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "" or "s" or "sec" => TimeSpan.FromSeconds(number),
            "ms" => TimeSpan.FromMilliseconds(number),
            _ => TimeSpan.FromMinutes(number),
        };
    }

    [GeneratedRegex(@"^([0-9.]+)\s*(ms|s|sec|min|m|)$")]
    private static partial Regex TimeSpanPattern();
}
