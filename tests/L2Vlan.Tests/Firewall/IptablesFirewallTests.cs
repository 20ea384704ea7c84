using System.Diagnostics;
using L2Vlan.Firewall;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Firewall;

/// <summary>
/// <see cref="IptablesFirewall"/> against stand-in programs for iptables and ip6tables: shell scripts that keep
/// their FORWARD rules in a file and fail, hang or chatter on request, so each outcome of a real call is tried.
/// </summary>
public class IptablesFirewallTests
{
    private const string StandIn = """
        #!/bin/sh
        # $0.rules holds the rules (one bridge a line); $0<action>.exit fails that action with the code in it,
        # $0<action>.hang makes it hang, $0.noise makes every call write much to stdout first.
        tool=$0 action=$3 bridge=$6
        echo "$*" >> "$tool.calls"
        if [ -f "$tool$action.hang" ]; then echo $$ > "$tool.pid"; exec sleep 60; fi
        if [ -f "$tool.noise" ]; then head -c 300000 /dev/zero | tr '\0' x; fi
        if [ -f "$tool$action.exit" ]; then echo "$action failed" >&2; exit "$(cat "$tool$action.exit")"; fi
        case "$action" in
          -C) grep -qx "$bridge" "$tool.rules" 2>/dev/null ||
                  { echo "iptables: Bad rule (does a matching rule exist in that chain?)." >&2; exit 1; } ;;
          -I) echo "$bridge" >> "$tool.rules" ;;
          -S) echo "-P FORWARD DROP"; echo "-A FORWARD -i other -o other -j ACCEPT"
              [ -f "$tool.rules" ] && while read -r b; do
                  echo "-A FORWARD -i $b -o $b -m comment --comment \"l2vlan bridge $b\" -j ACCEPT"
              done < "$tool.rules" ;;
          -D) awk -v b="$bridge" '!gone && $0 == b { gone = 1; next } { print }' "$tool.rules" > "$tool.rules.new" &&
                  mv "$tool.rules.new" "$tool.rules" ;;
        esac
        """;

    private string _directory = null!;
    private string IPv4 => Path.Combine(_directory, "iptables");
    private string IPv6 => Path.Combine(_directory, "ip6tables");

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "l2vlan-iptables-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        foreach (var tool in new[] { IPv4, IPv6 })
        {
            File.WriteAllText(tool, StandIn.Replace("\r", "") + "\n");
            File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    private IptablesFirewall Firewall(double timeoutSeconds = 10, string? ipv6 = null) =>
        new(NullLogger.Instance, [IPv4, ipv6 ?? IPv6], TimeSpan.FromSeconds(timeoutSeconds));

    private static string[] Rules(string tool) => File.Exists(tool + ".rules") ? File.ReadAllLines(tool + ".rules")
        : [];

    private static void Make(string tool, string action, string what, string text = "") =>
        File.WriteAllText(tool + action + what, text);

    [Test]
    public void The_rule_goes_in_once_per_front_end_and_out_again_and_removing_it_twice_is_fine()
    {
        var firewall = Firewall();
        firewall.AllowBridged("vlan2000");
        firewall.AllowBridged("vlan2000");
        Assert.That((Rules(IPv4), Rules(IPv6)), Is.EqualTo((new[] { "vlan2000" }, new[] { "vlan2000" })));
        Assert.That(File.ReadAllLines(IPv4 + ".calls"), Has.All.StartsWith("-w 5 "),
            "each call still waits for the xtables lock");

        firewall.RemoveBridged("vlan2000");
        Assert.That((Rules(IPv4), Rules(IPv6)), Is.EqualTo((Array.Empty<string>(), Array.Empty<string>())));
        Assert.DoesNotThrow(() => firewall.RemoveBridged("vlan2000"), "a rule already gone is removed");
    }

    [Test]
    public void One_listing_per_front_end_tells_which_bridges_have_their_rule_in_both()
    {
        var firewall = Firewall();
        firewall.AllowBridged("vlan2000");
        firewall.AllowBridged("vlan2001");
        File.WriteAllLines(IPv6 + ".rules", ["vlan2000"]); // vlan2001's IPv6 rule went missing
        File.Delete(IPv4 + ".calls");

        Assert.That(firewall.AllowedBridges(), Is.EquivalentTo(new[] { "vlan2000" }), "other rules are not l2vlan's");
        Assert.That(File.ReadAllLines(IPv4 + ".calls"), Is.EqualTo(new[] { "-w 5 -S FORWARD" }),
            "one call, whatever the number of bridges");
        Make(IPv6, "-S", ".exit", "4");
        Assert.That(firewall.AllowedBridges(), Is.Null, "a listing that fails tells nothing, and each bridge is " +
            "checked");
    }

    [Test]
    public void A_failed_delete_is_an_error_and_a_later_try_finishes_it()
    {
        var firewall = Firewall();
        firewall.AllowBridged("vlan2000");
        Make(IPv4, "-D", ".exit", "4");   // iptables' "resource problem", e.g. the xtables lock held too long

        var error = Assert.Throws<InvalidOperationException>(() => firewall.RemoveBridged("vlan2000"));
        Assert.That(error!.Message, Does.Contain("iptables").And.Contain("vlan2000").And.Contain("exit 4"));
        Assert.That(Rules(IPv4), Is.EqualTo(new[] { "vlan2000" }));

        File.Delete(IPv4 + "-D.exit");
        firewall.RemoveBridged("vlan2000");
        Assert.That((Rules(IPv4), Rules(IPv6)), Is.EqualTo((Array.Empty<string>(), Array.Empty<string>())));
    }

    [Test]
    public void A_check_that_fails_is_not_taken_for_a_rule_that_is_gone()
    {
        var firewall = Firewall();
        firewall.AllowBridged("vlan2000");
        Make(IPv6, "-C", ".exit", "4");
        var error = Assert.Throws<InvalidOperationException>(() => firewall.RemoveBridged("vlan2000"));
        Assert.That(error!.Message, Does.Contain("ip6tables").And.Contain("exit 4"));
        Assert.That(Rules(IPv6), Is.EqualTo(new[] { "vlan2000" }));
    }

    [Test]
    public void A_missing_table_or_a_missing_tool_holds_no_rule()
    {
        // ip6tables on a kernel without IPv6 netfilter: "can't initialize ip6tables table"
        Make(IPv6, "-C", ".exit", "3");
        Assert.DoesNotThrow(() => Firewall().RemoveBridged("vlan2000"));
        Assert.DoesNotThrow(() => Firewall(ipv6: Path.Combine(_directory, "not-installed")).RemoveBridged("vlan2000"));
    }

    [Test]
    public void Copies_of_the_rule_added_by_hand_go_too()
    {
        File.WriteAllLines(IPv4 + ".rules", ["vlan2000", "vlan2000", "vlan2001"]);
        Firewall().RemoveBridged("vlan2000");
        Assert.That(Rules(IPv4), Is.EqualTo(new[] { "vlan2001" }));
    }

    [Test]
    public void A_hung_iptables_is_killed_and_named_in_the_error()
    {
        Make(IPv4, "-C", ".hang");
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<FirewallTimeoutException>(() => Firewall(timeoutSeconds: 0.5)
            .AllowBridged("vlan2000"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(error!.Message, Does.Contain("iptables").And.Contain("0.5 s"));
        var pid = int.Parse(File.ReadAllText(IPv4 + ".pid").Trim());
        Assert.That(() => Directory.Exists($"/proc/{pid}"), Is.False.After(2000, 50),
            "the hung process is killed, not left behind");

        clock.Restart();
        Assert.Throws<FirewallTimeoutException>(() => Firewall(timeoutSeconds: 0.5).RemoveBridged("vlan2000"));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "removal is bounded too");
    }

    [Test]
    public void Much_output_on_stdout_does_not_block_the_call()
    {
        // A tool that fills the stdout pipe before it writes to stderr: reading stderr to its end first waits forever.
        Make(IPv4, "", ".noise");
        var call = Task.Run(() => Firewall().AllowBridged("vlan2000"));
        Assert.That(call.Wait(TimeSpan.FromSeconds(8)), Is.True, "the call came back");
        Assert.That(Rules(IPv4), Is.EqualTo(new[] { "vlan2000" }));
    }
}
