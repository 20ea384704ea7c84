using System.CommandLine;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using L2Vlan.Cli;

namespace L2Vlan.Tests.Cli;

/// <summary>
/// packaging/bash-completion/l2vlan, run by bash as completion runs it (COMP_WORDS, COMP_CWORD, then _l2vlan), held to
/// the command line the executable parses: every command, subcommand and option, and the values of those that take one.
/// </summary>
public class BashCompletionTests
{
    private static string Script([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "packaging", "bash-completion",
            "l2vlan"));

    private string _folder = null!;

    [SetUp]
    public void SetUp() => _folder = Directory.CreateTempSubdirectory("l2vlan-completion-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_folder, recursive: true);

    /// <summary>What bash offers for <paramref name="words"/>, the last being the word under the cursor.</summary>
    private string[] Complete(params string[] words) => Bash(
        $"COMP_WORDS=(l2vlan {string.Join(' ', words.Select(Quote))}); COMP_CWORD={words.Length}; _l2vlan; printf " +
            $"'%s\\n' \"${{COMPREPLY[@]}}\"")
        .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    private string Bash(string script)
    {
        var start = new ProcessStartInfo("bash", ["--norc", "--noprofile", "-c", $"source {Quote(Script())}; " +
            $"_l2vlan_state={Quote(_folder)}; {script}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder,
        };
        using var bash = Process.Start(start)!;
        var output = bash.StandardOutput.ReadToEnd();
        var error = bash.StandardError.ReadToEnd();
        bash.WaitForExit();
        Assert.That((bash.ExitCode, error), Is.EqualTo((0, "")), script);
        return output;
    }

    private static string Quote(string word) => "'" + word.Replace("'", "'\\''") + "'";

    /// <summary>Every command of the executable, with its words after "l2vlan".</summary>
    private static IEnumerable<(string[] Path, Command Command, IReadOnlyList<Option> Options)> Commands()
    {
        var root = L2VlanCli.Create(_ => null);
        var pending = new Stack<(string[], Command, IReadOnlyList<Option>)>();
        pending.Push(([], root, [.. root.Options]));
        while (pending.Count > 0)
        {
            var (path, command, options) = pending.Pop();
            yield return (path, command, options);
            var inherited = options.Where(o => o.Recursive).ToList();
            foreach (var sub in command.Subcommands)
                pending.Push(([.. path, sub.Name], sub, [.. sub.Options, .. inherited]));
        }
    }

    private static IEnumerable<string> Visible(IEnumerable<Option> options) => options.Where(o => !o.Hidden)
        .Select(o => o.Name);

    [Test]
    public void Each_command_completes_its_subcommands_and_options()
    {
        var commands = Commands().ToList();
        Assert.That(commands.Select(c => string.Join(' ', c.Path)), Is.SupersetOf(new[]
        {
            "",
            "serve",
            "status",
            "doctor",
            "forget",
            "adapter",
            "adapter install",
            "relay",
        }));
        foreach (var (path, command, options) in commands)
        {
            var expected = command.Subcommands.Select(s => s.Name).Concat(Visible(options))
                .Order(StringComparer.Ordinal);
            Assert.That(Complete([.. path, ""]), Is.EqualTo(expected), $"l2vlan {string.Join(' ', path)} <TAB>");
        }
    }

    [Test]
    public void A_value_of_any_option_that_takes_one_is_not_taken_for_a_command()
    {
        foreach (var (path, command, options) in Commands())
        {
            var expected = command.Subcommands.Select(s => s.Name).Concat(Visible(options))
                .Order(StringComparer.Ordinal).ToArray();
            foreach (var option in options.Where(o => o.Arity.MaximumNumberOfValues > 0))
            {
                Assert.That(Complete([.. path, option.Name, "5", ""]), Is.EqualTo(expected),
                    $"l2vlan {string.Join(' ', path)} {option.Name} 5 <TAB>");
            }
        }
    }

    [Test]
    public void A_prefix_completes_to_the_words_it_starts()
    {
        Assert.That(Complete("ad"), Is.EqualTo(new[] { "adapter" }));
        Assert.That(Complete("adapter", "re"), Is.EqualTo(new[] { "remove" }));
        Assert.That(Complete("doctor", "--s"), Is.EqualTo(new[] { "--socket", "--state-dir" }));
    }

    [Test]
    public void Log_levels_complete_in_lower_case_whatever_the_case_typed()
    {
        var names = new[] { "trace", "debug", "information", "info", "warning", "warn", "error", "critical", "none" };
        Assert.That(names.Select(LogLevelOption.Parse), Is.All.Not.Null, "each is a name --log-level takes");
        Assert.That(Complete("serve", "--log-level", ""), Is.EquivalentTo(names));
        Assert.That(Complete("serve", "--log-level", "W"), Is.EqualTo(new[] { "warn", "warning" }));
    }

    [Test]
    public void Options_naming_a_path_complete_files_and_the_state_folder_folders_only()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "state"));
        File.WriteAllText(Path.Combine(_folder, "sock"), "");
        var paths = Commands().SelectMany(c => c.Options.Select(o => (c.Path, Option: o)))
            .Where(x => x.Option.HelpName is "PATH" or "DIR").ToList();
        Assert.That(paths.Select(x => x.Option.Name).Distinct(), Is.EquivalentTo(new[]
        {
            "--socket", "--state-dir", "--config", "--docker-socket", "--service-socket", "--listen", "--to",
        }));
        foreach (var (path, option) in paths)
        {
            var offered = Complete([.. path, option.Name, _folder + "/s"]);
            Assert.That(offered, Is.EqualTo(option.HelpName == "DIR"
                ? new[] { _folder + "/state" }
                : new[] { _folder + "/sock", _folder + "/state" }),
                    $"l2vlan {string.Join(' ', path)} {option.Name} .../s<TAB>");
        }
    }

    [Test]
    public void Forget_completes_the_networks_in_the_state_folder()
    {
        Directory.CreateDirectory(Path.Combine(_folder, "networks", "quarantine"));
        foreach (var name in new[] { "3f2a0c1d.json", "3f99aa00.json", "b1c2d3e4.json", ".3f2a0c1d.json.tmp" })
            File.WriteAllText(Path.Combine(_folder, "networks", name), "{}");

        Assert.That(Complete("forget", ""), Is.EqualTo(new[] { "3f2a0c1d", "3f99aa00", "b1c2d3e4" }));
        Assert.That(Complete("forget", "3f"), Is.EqualTo(new[] { "3f2a0c1d", "3f99aa00" }));
        Assert.That(Complete("forget", "3f2a0c1d", ""), Is.EqualTo(new[] { "--force", "--help", "--socket" }),
            "one network only");
    }

    [Test]
    public void The_file_registers_the_completion_for_l2vlan()
    {
        Assert.That(Bash("complete -p l2vlan").Trim(), Is.EqualTo("complete -F _l2vlan l2vlan"));
    }
}
