using System.CommandLine;
using System.Runtime.CompilerServices;
using L2Vlan.Cli;
using L2Vlan.Driver;

namespace L2Vlan.Tests.Cli;

/// <summary>packaging/l2vlan.8 describes every command, option and network option there is, and what l2vlan(8) pages
/// hold.</summary>
public class ManualPageTests
{
    private static string Page([CallerFilePath] string here = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "packaging", "l2vlan.8"));

    /// <summary>The text of the section titled <paramref name="title"/>, up to the next.</summary>
    private static string Section(string title)
    {
        var page = Page();
        var start = page.IndexOf($".SH {title}\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"the page has a section {title}");
        var end = page.IndexOf("\n.SH ", start + 1, StringComparison.Ordinal);
        return end < 0 ? page[start..] : page[start..end];
    }

    private static string Groff(string text) => text.Replace("-", "\\-");

    private static IEnumerable<(string Path, Command Command)> Commands(Command command, string path = "")
    {
        foreach (var sub in command.Subcommands)
        {
            var subPath = (path + " " + sub.Name).Trim();
            yield return (subPath, sub);
            foreach (var deeper in Commands(sub, subPath)) yield return deeper;
        }
    }

    [Test]
    public void Every_command_is_in_the_synopsis_and_described_with_its_options()
    {
        var root = L2VlanCli.Create(_ => null);
        var synopsis = Section("SYNOPSIS");
        var commands = Section("COMMANDS");
        var options = Section("OPTIONS");
        foreach (var (path, command) in Commands(root))
        {
            if (command.Subcommands.Count > 0) continue;
            Assert.That(synopsis, Does.Contain($".B l2vlan {Groff(path)}\n"), $"SYNOPSIS: l2vlan {path}");
            Assert.That(commands, Does.Contain($".B {Groff(path)}"), $"COMMANDS: {path}");
            foreach (var option in command.Options.Where(o => !o.Hidden && o.Name != "--help"))
            {
                var synopsisOfCommand = synopsis[synopsis.IndexOf($".B l2vlan {Groff(path)}\n",
                    StringComparison.Ordinal)..];
                synopsisOfCommand = synopsisOfCommand[..synopsisOfCommand.IndexOf(".br", StringComparison.Ordinal)];
                Assert.That(synopsisOfCommand, Does.Contain(Groff(option.Name)),
                    $"SYNOPSIS of l2vlan {path}: {option.Name}");
                Assert.That(options, Does.Match($@"\.BI? {Regex(Groff(option.Name))}[ \n]"), $"OPTIONS: {option.Name}");
            }
        }
        Assert.That(options, Does.Contain(".B \\-\\-version"));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    [Test]
    public void Every_network_option_is_described()
    {
        var section = Section("NETWORK OPTIONS");
        foreach (var option in NetworkOptionsParser.Known)
            Assert.That(section, Does.Match($@"\n\.BR? {Regex(option)}=|\n\.BI {Regex(option)}= "), $"-o {option}");
        Assert.That(section, Does.Contain("com.docker.network.driver.mtu"));
    }

    [Test]
    public void Exit_status_environment_files_examples_and_see_also_are_there()
    {
        var exit = Section("EXIT STATUS");
        foreach (var status in new[] { ExitCodes.Success, ExitCodes.Finding, ExitCodes.Usage })
            Assert.That(exit, Does.Contain($".TP\n.B {status}\n"));
        Assert.That(Section("ENVIRONMENT"), Does.Contain($".B {LogLevelOption.EnvironmentVariable}\n"));
        Assert.That(Section("FILES"), Does.Contain(".I /etc/l2vlan/l2vlan.conf\n"));
        Assert.That(Section("FILES"), Does.Contain(".I /etc/default/l2vlan\n")
            .And.Contain(".I /usr/share/bash\\-completion/completions/l2vlan\n"));
        Assert.That(Section("EXAMPLES"), Does.Contain("docker network create"));
        Assert.That(Section("SEE ALSO"), Does.Contain(".BR docker\\-network\\-create (1)"));
    }

    [Test]
    public void Every_setting_of_the_policy_file_is_described()
    {
        var section = Section("POLICY FILE");
        foreach (var setting in L2Vlan.Policy.AdminPolicy.Settings)
        {
            var name = Regex(Groff(setting));
            Assert.That(section, Does.Match($@"\n\.BR? {name} |\n\.BI {name} "), setting);
        }
    }
}
