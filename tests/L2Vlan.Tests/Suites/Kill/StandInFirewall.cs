using System.Text.RegularExpressions;

namespace L2Vlan.Tests.Suites.Kill;

/// <summary>
/// iptables and ip6tables for a host that has neither: scripts put first on the service's PATH that keep each
/// tool's rules in a text file, one rule a line, and answer -C, -I and -D with iptables' exit codes (-C and -D
/// of a missing rule: 1). A SIGKILL of the service never tears a rules file: the script is a process of its own
/// and finishes its call.
/// </summary>
internal sealed partial class StandInFirewall
{
    public static readonly string[] Tools = ["iptables", "ip6tables"];

    private const string Script = """
        #!/bin/bash
        rules="$(dirname "$0")/$(basename "$0").rules"
        action=""; rule=()
        while [ $# -gt 0 ]; do
          case "$1" in
            -w) shift 2 ;;
            -C|-I|-D) action="$1"; shift ;;
            *) rule+=("$1"); shift ;;
          esac
        done
        line="${rule[*]}"
        # One call at a time, as iptables -w makes it: two concurrent rewrites of the file would lose a rule.
        exec 9>>"$rules.lock"; flock 9
        touch "$rules"
        case "$action" in
          -C) grep -qxF -- "$line" "$rules" && exit 0; exit 1 ;;
          -I) { printf '%s\n' "$line"; cat "$rules"; } > "$rules.new" && mv "$rules.new" "$rules"; exit 0 ;;
          -D) grep -qxF -- "$line" "$rules" ||
                { echo "iptables: Bad rule (does a matching rule exist in that chain?)." >&2; exit 1; }
              awk -v r="$line" '!done && $0 == r { done = 1; next } { print }' "$rules" > "$rules.new" &&
                mv "$rules.new" "$rules"; exit 0 ;;
        esac
        echo "stand-in iptables: unsupported call" >&2; exit 2
        """;

    public StandInFirewall(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        foreach (var tool in Tools)
        {
            var path = Path.Combine(folder, tool);
            File.WriteAllText(path, Script.ReplaceLineEndings("\n") + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The folder to put first on PATH.</summary>
    public string Folder { get; }

    /// <summary>Each tool's rules as (tool, bridge) pairs, from the rules' -i.</summary>
    public IReadOnlyList<(string Tool, string Bridge)> Rules() =>
        Tools.SelectMany(tool =>
        {
            var path = Path.Combine(Folder, tool + ".rules");
            return File.Exists(path)
                ? File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => (tool, BridgeIn(l)))
                : [];
        }).ToList();

    /// <summary>The bridge a rule names in its -i, or what is wrong with the rule.</summary>
    private static string BridgeIn(string rule) =>
        BridgeOf().Match(rule) is { Success: true } m ? m.Groups[1].Value : $"unparsable rule '{rule}'";

    [GeneratedRegex(@"^FORWARD -i (\S+) -o \1 ")]
    private static partial Regex BridgeOf();
}
