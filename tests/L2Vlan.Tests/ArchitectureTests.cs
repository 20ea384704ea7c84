using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace L2Vlan.Tests;

/// <summary>
/// The layer map of docs/architecture.md, checked against every source file of src/L2Vlan: a folder uses only the
/// folders the map lets it use (through a <c>using</c> or a name written out as <c>L2Vlan.Folder.Type</c>), and no
/// two folders use each other, directly or round a longer loop.
/// </summary>
public partial class ArchitectureTests
{
    /// <summary>
    /// Which folder may use which; the same map as docs/architecture.md. Interop (global, libc only) may be used by
    /// all and uses none. A folder not listed here fails <see cref="Every_folder_is_on_the_map"/>.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string[]> Map = new Dictionary<string, string[]>
    {
        ["Faults"] = [],
        ["Metrics"] = [],
        ["Domain"] = [],
        ["Clients"] = [],
        ["State"] = ["Domain", "Faults", "Metrics"],
        ["Ipam"] = ["State", "Domain", "Metrics"],
        ["Netlink"] = ["Domain", "Faults", "Metrics"],
        ["Packets"] = ["Netlink", "Domain"],
        ["Firewall"] = ["Domain", "Faults"],
        ["Policy"] = ["Firewall", "Domain"],
        ["Driver"] = ["Ipam", "State", "Netlink", "Packets", "Firewall", "Policy", "Domain", "Faults", "Metrics"],
        ["Protocol"] = ["Driver", "Ipam", "State", "Domain", "Metrics"],
        ["Adapter"] = ["Clients", "Domain"],
        ["Host"] = ["Protocol", "Driver", "Ipam", "State", "Netlink", "Packets", "Firewall", "Policy", "Clients",
            "Domain", "Faults", "Metrics"],
        ["Doctor"] = ["Host", "Adapter", "Clients", "Firewall", "Netlink", "State", "Domain"],
    };

    /// <summary>A source file's place and its text.</summary>
    internal sealed record SourceFile(string Path, string Folder, string Text);

    /// <summary>One use of another folder, and the file that makes it.</summary>
    internal sealed record Arrow(string From, string To, string File);

    [Test]
    public void Every_folder_is_on_the_map()
    {
        var missing = Sources().Select(s => s.Folder).Distinct().Where(f => !Map.ContainsKey(f)).Order().ToList();
        Assert.That(missing, Is.Empty, "folders of src/L2Vlan that docs/architecture.md's layer map does not place");
    }

    [Test]
    public void Each_file_is_in_the_namespace_of_its_folder()
    {
        var wrong = Sources()
            .Where(s => !s.Text.Contains($"namespace L2Vlan.{s.Folder};", StringComparison.Ordinal))
            .Select(s => s.Path).ToList();
        Assert.That(wrong, Is.Empty, "files whose namespace is not L2Vlan.<their folder>: the map reads folders");
    }

    [Test]
    public void Every_arrow_is_one_the_map_allows()
    {
        var forbidden = Arrows(Sources()).Where(a => !Map.TryGetValue(a.From, out var to) || !to.Contains(a.To))
            .Select(a => $"{a.File}: {a.From} -> {a.To}").Distinct().ToList();
        Assert.That(forbidden, Is.Empty, "uses the layer map of docs/architecture.md forbids");
    }

    [Test]
    public void No_two_folders_use_each_other_round_any_loop()
    {
        var cycle = FindCycle(Arrows(Sources()));
        Assert.That(cycle, Is.Null, $"folders that use each other: {cycle}");
    }

    [Test]
    public void The_map_itself_has_no_loop()
    {
        var arrows = Map.SelectMany(m => m.Value.Select(to => new Arrow(m.Key, to, "docs/architecture.md")));
        Assert.That(FindCycle(arrows), Is.Null);
    }

    /// <summary>The reading of the files finds what it must: a <c>using</c>, a written-out name, and a loop.</summary>
    [Test]
    public void A_use_against_the_map_and_a_loop_are_found_and_named()
    {
        SourceFile[] files =
        [
            new("State/Bad.cs", "State", "using L2Vlan.Domain;\nusing L2Vlan.Host;\nnamespace L2Vlan.State;\n"),
            new("Host/Uses.cs", "Host", "namespace L2Vlan.Host;\nclass C { L2Vlan.State.NetworkRecord? R; }\n"),
            new("Domain/Self.cs", "Domain", "namespace L2Vlan.Domain;\nusing static L2Vlan.Domain.X;\n"),
        ];
        var arrows = Arrows(files).ToList();
        Assert.That(arrows.Select(a => $"{a.File}: {a.From} -> {a.To}"),
            Is.EquivalentTo(new[]
            {
                "State/Bad.cs: State -> Domain",
                "State/Bad.cs: State -> Host",
                "Host/Uses.cs: Host -> State",
            }));
        Assert.That(FindCycle(arrows), Does.Contain("State -> Host (State/Bad.cs)").And.Contain("Host -> State " +
            "(Host/Uses.cs)"));
    }

    internal static IEnumerable<Arrow> Arrows(IEnumerable<SourceFile> files) =>
        from file in files
        from match in UseOfFolder().Matches(file.Text)
        let to = match.Groups[1].Value
        where to != file.Folder
        select new Arrow(file.Folder, to, file.Path);

    /// <summary>A loop among the folders as "A -> B (file) -> ... -> A", or null when there is none.</summary>
    internal static string? FindCycle(IEnumerable<Arrow> arrows)
    {
        var next = arrows.GroupBy(a => a.From).ToDictionary(g => g.Key, g => g.DistinctBy(a => a.To).ToList());
        var done = new HashSet<string>();
        var path = new List<Arrow>();
        string? Visit(string folder)
        {
            var back = path.FindIndex(a => a.From == folder);
            if (back >= 0)
                return string.Join(", ", path.Skip(back).Select(a => $"{a.From} -> {a.To} ({a.File})"));
            if (!done.Add(folder)) return null;
            foreach (var arrow in next.GetValueOrDefault(folder) ?? [])
            {
                path.Add(arrow);
                if (Visit(arrow.To) is { } found) return found;
                path.RemoveAt(path.Count - 1);
            }
            return null;
        }
        // A folder is marked done on entry, so a loop is found from the first folder of it visited.
        foreach (var folder in next.Keys.Order())
        {
            done.Clear();
            if (Visit(folder) is { } cycle) return cycle;
        }
        return null;
    }

    private static List<SourceFile> Sources([CallerFilePath] string here = "")
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "src", "L2Vlan"));
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p))
            .Where(p => p.Contains('/') && !p.StartsWith("obj/", StringComparison.Ordinal)
                && !p.StartsWith("bin/", StringComparison.Ordinal)
                    && !p.StartsWith("Interop/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => new SourceFile(p, p[..p.IndexOf('/')], File.ReadAllText(Path.Combine(root, p))))
            .ToList();
    }

    // "using L2Vlan.X;", "using static L2Vlan.X.Y;", "using A = L2Vlan.X.Y;", or L2Vlan.X.Y written out in code;
    // not the file's own namespace line.
    [GeneratedRegex(@"(?<!namespace )\bL2Vlan\.([A-Z][A-Za-z]*)\b(?=[.;])")]
    private static partial Regex UseOfFolder();
}
