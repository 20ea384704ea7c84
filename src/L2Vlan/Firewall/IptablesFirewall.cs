using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Firewall;

/// <summary>
/// The accept rule through iptables and ip6tables, the front ends Docker itself uses, so the rule lives
/// in the same tables as Docker's. Each rule carries a comment naming l2vlan and the bridge, so that
/// only rules l2vlan added are ever removed.
/// </summary>
public sealed class IptablesFirewall(ILogger<IptablesFirewall> logger) : IFirewall
{
    private static readonly string[] Tools = ["iptables", "ip6tables"];

    public void AllowBridged(string bridge)
    {
        foreach (var tool in Tools)
        {
            var present = Run(tool, Rule("-C", bridge));
            if (present is 0 or NotInstalled) continue;
            var status = Run(tool, Rule("-I", bridge));
            if (status == 0) logger.LogInformation("{Tool}: accepting traffic bridged on {Bridge}", tool, bridge);
            else if (tool == "iptables") throw new InvalidOperationException($"{tool} could not add the accept rule for bridge {bridge} (exit {status}); see the log");
            else logger.LogWarning("{Tool} could not add the accept rule for bridge {Bridge} (exit {Status}); IPv6 traffic may be dropped", tool, bridge, status);
        }
    }

    public void RemoveBridged(string bridge)
    {
        foreach (var tool in Tools)
        {
            // Bounded: a rule added twice by hand is removed too, but never loop forever.
            for (var i = 0; i < 8 && Run(tool, Rule("-C", bridge)) == 0; i++)
                Run(tool, Rule("-D", bridge));
        }
    }

    // The shell's "command not found": a host without the tool has no firewall of Docker's to get through.
    private const int NotInstalled = 127;

    private static string[] Rule(string action, string bridge) =>
        ["-w", "5", action, "FORWARD", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", $"l2vlan bridge {bridge}", "-j", "ACCEPT"];

    private int Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && arguments.Contains("-C") is false)
                logger.LogWarning("{Tool} {Arguments}: {Error}", tool, string.Join(' ', arguments), error.Trim());
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            logger.LogWarning("{Tool} is not available ({Message}); no firewall rule for bridged traffic", tool, e.Message);
            return NotInstalled;
        }
    }
}
