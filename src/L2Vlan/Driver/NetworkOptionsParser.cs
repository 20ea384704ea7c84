using System.Text;
using L2Vlan.Domain;

namespace L2Vlan.Driver;

/// <summary>
/// Reads a network's -o options. Pure: what it needs of the host (which links exist, a file's text)
/// comes in as functions. Every error names the option and shows a valid example.
/// </summary>
public static class NetworkOptionsParser
{
    public const string VlanIdOption = "vlan_id";
    public const string ExtIfOption = "ext_if";
    public const string BridgeNameOption = "bridge_name";
    public const string ParentOption = "parent";
    public const string ParentFileOption = "parent_file";
    public const string MtuOption = "mtu";
    public const string RoutesOption = "routes";
    public const string DadOption = "dad";

    public static readonly IReadOnlyList<string> Known =
        [VlanIdOption, ExtIfOption, BridgeNameOption, ParentOption, ParentFileOption, MtuOption, RoutesOption,
            DadOption];

    public const int MaxInterfaceNameBytes = 15;

    public static NetworkOptions Parse(
        IReadOnlyDictionary<string, string> options,
        Func<string, bool> linkExists,
        Func<string, string> readFile)
    {
        var unknown = options.Keys.Where(k => !Known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new UserError($"unknown l2vlan option{(unknown.Count > 1 ? "s" : "")} " +
                $"{string.Join(", ", unknown.Select(k => $"'{k}'"))}; known options are {string.Join(", ", Known)}");
        }

        var (parentIf, parentVlan) = ParseParent(Value(options, ParentOption));
        var vlanId = ParseVlanId(Value(options, VlanIdOption)) ?? parentVlan;
        if (parentVlan is not null && vlanId != parentVlan)
        {
            throw new UserError($"-o {ParentOption}={options[ParentOption]} says VLAN {parentVlan} but -o " +
                $"{VlanIdOption}={vlanId}; give one of them");
        }
        if (vlanId is null)
        {
            throw new UserError($"-o {VlanIdOption} is required: the 802.1Q tag of the external VLAN, 1-4094 " +
                $"(example: -o {VlanIdOption}=2000)");
        }

        var (source, candidates) = ExtIfCandidates(options, parentIf, readFile);
        if (candidates.Count == 0)
        {
            throw new UserError($"-o {ExtIfOption} is required: the host NIC that carries the VLAN (example: -o " +
                $"{ExtIfOption}=eno1, or a list: -o {ExtIfOption}=\"bond0, eno1\")");
        }
        // A parent file may be anything the caller can name, a secret included: its text is never quoted back.
        var fromFile = source == ParentFileOption;
        foreach (var name in candidates)
        {
            if (fromFile && !IsInterfaceName(name))
            {
                throw new UserError($"-o {ParentFileOption}={options[ParentFileOption].Trim()}: the [l2vlan] " +
                    $"{ExtIfOption} value, or else the file's first non-empty line, is not a valid interface name " +
                        $"(example: eno1)");
            }
            CheckInterfaceName(name, ExtIfOption);
        }
        var extIf = candidates.FirstOrDefault(linkExists)
            ?? throw new UserError(fromFile
                ? $"-o {ParentFileOption}={options[ParentFileOption].Trim()}: the interface the file names does not " +
                    $"exist on this host"
                : $"-o {ExtIfOption}: no such interface on this host: tried {string.Join(", ", candidates)}");

        var vlanLink = $"{extIf}.{vlanId}";
        if (Encoding.UTF8.GetByteCount(vlanLink) > MaxInterfaceNameBytes)
        {
            throw new UserError($"the VLAN sub-interface name {vlanLink} would be longer than " +
                $"{MaxInterfaceNameBytes} bytes; Linux refuses it (use a NIC with a shorter name)");
        }

        var bridgeName = Value(options, BridgeNameOption) ?? $"vlan{vlanId}";
        CheckBridgeName(bridgeName);

        return new NetworkOptions(extIf, vlanId.Value, bridgeName, ParseMtu(Value(options, MtuOption)),
            ParseRoutes(Value(options, RoutesOption)), ParseDad(Value(options, DadOption)) ?? true);
    }

    private static string? Value(IReadOnlyDictionary<string, string> options, string key) =>
        options.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;

    private static int? ParseVlanId(string? text)
    {
        if (text is null) return null;
        if (!int.TryParse(text, out var id) || id is < 1 or > 4094)
        {
            throw new UserError($"-o {VlanIdOption}={text} is not a VLAN ID: expected a whole number from 1 to 4094 " +
                $"(example: -o {VlanIdOption}=2000)");
        }
        return id;
    }

    /// <summary>macvlan users write -o parent=eno1.2000; that is ext_if=eno1, vlan_id=2000.</summary>
    private static (string? ExtIf, int? VlanId) ParseParent(string? text)
    {
        if (text is null) return (null, null);
        var dot = text.LastIndexOf('.');
        if (dot <= 0 || !int.TryParse(text.AsSpan(dot + 1), out var id) || id is < 1 or > 4094)
        {
            throw new UserError($"-o {ParentOption}={text} is not a VLAN sub-interface name: expected <nic>.<vlan " +
                $"id> (example: -o {ParentOption}=eno1.2000)");
        }
        return (text[..dot], id);
    }

    private static (string? Option, List<string> Names) ExtIfCandidates(IReadOnlyDictionary<string, string> options,
        string? parentIf, Func<string, string> readFile)
    {
        var sources = new List<(string Option, string Value)>();
        if (Value(options, ExtIfOption) is { } extIf) sources.Add((ExtIfOption, extIf));
        if (parentIf is not null) sources.Add((ParentOption, parentIf));
        if (Value(options, ParentFileOption) is { } file)
            sources.Add((ParentFileOption, ReadParentFile(file, readFile)));
        if (sources.Count > 1)
        {
            throw new UserError($"give only one of -o {ExtIfOption}, -o {ParentOption} and -o {ParentFileOption}; " +
                $"got {string.Join(" and ", sources.Select(s => s.Option))}");
        }
        return sources.Count == 0 ? (null, []) : (sources[0].Option, SplitList(sources[0].Value));
    }

    /// <summary>Like Docker's macvlan parent file: TOML <c>[l2vlan] ext_if = "eno1"</c>, or else the first non-empty
    /// line.</summary>
    public static string ReadParentFile(string path, Func<string, string> readFile)
    {
        string text;
        try
        {
            text = readFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"-o {ParentFileOption}={path}: cannot read the file: {e.Message}");
        }
        var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Any(l => l.StartsWith('[')))
        {
            var inSection = false;
            foreach (var line in lines)
            {
                if (line.StartsWith('[')) { inSection = line == "[l2vlan]"; continue; }
                if (!inSection) continue;
                var eq = line.IndexOf('=');
                if (eq > 0 && line[..eq].Trim() == ExtIfOption) return line[(eq + 1)..].Trim().Trim('"', '\'');
            }
            throw new UserError($"-o {ParentFileOption}={path}: no {ExtIfOption} in its [l2vlan] section (example: " +
                $"[l2vlan] then {ExtIfOption} = \"eno1\")");
        }
        return lines.FirstOrDefault() ?? throw new UserError($"-o {ParentFileOption}={path}: the file is empty; " +
            $"expected the NIC's name (example: eno1)");
    }

    /// <summary>"bond0, eno1  eth1": commas and white space both separate.</summary>
    public static List<string> SplitList(string text) =>
        text.Split([',', ' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToList();

    public static void CheckInterfaceName(string name, string option)
    {
        if (!IsInterfaceName(name))
        {
            throw new UserError($"-o {option}={name} is not a valid interface name: 1 to {MaxInterfaceNameBytes} " +
                $"bytes, no spaces, '/', ':' or '%' (example: -o " +
                    $"{option}={(option == BridgeNameOption ? "vlan2000" : "eno1")})");
        }
    }

    /// <summary>What Linux accepts as a name, less '%': the kernel reads "%d" as "pick a number", a name l2vlan would
    /// never learn.</summary>
    private static bool IsInterfaceName(string name) =>
        name.Length > 0 && Encoding.UTF8.GetByteCount(name) <= MaxInterfaceNameBytes
            && name is not ("." or "..")
            && name.All(c => c > ' ' && c < 127 && c is not ('/' or ':' or '%'));

    /// <summary>
    /// l2vlan makes the bridge and puts its name in iptables rules, so only a plain name is taken: iptables reads
    /// a '+' as a wildcard ("-i +" is every interface), and a leading '.' hides the bridge's state file at load.
    /// Docker's own bridges are refused: joining a VLAN to them would mix its traffic with Docker's networks.
    /// </summary>
    public static void CheckBridgeName(string name)
    {
        var plain = name.Length is > 0 and <= MaxInterfaceNameBytes && name[0] != '.'
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!plain)
        {
            throw new UserError($"-o {BridgeNameOption}={name} is not a plain bridge name: 1 to " +
                $"{MaxInterfaceNameBytes} bytes of letters, digits, '-', '_' and '.', not starting with '.' " +
                    $"(example: -o {BridgeNameOption}=vlan2000)");
        }
        if (name is "docker0" or "docker_gwbridge" || name.StartsWith("br-", StringComparison.Ordinal))
        {
            throw new UserError($"-o {BridgeNameOption}={name} is a bridge Docker owns (docker0, docker_gwbridge, " +
                $"br-...); give l2vlan its own bridge (example: -o {BridgeNameOption}=vlan2000)");
        }
    }

    private static int? ParseMtu(string? text)
    {
        if (text is null) return null;
        if (!int.TryParse(text, out var mtu) || mtu is < 68 or > 65535)
        {
            throw new UserError($"-o {MtuOption}={text} is not an MTU: expected a whole number from 68 to 65535 " +
                $"(example: -o {MtuOption}=1500)");
        }
        return mtu;
    }

    /// <summary>
    /// Whether Joins on a network with these options probe the VLAN for a duplicate address. A network without the
    /// option (made without it, or recorded before it existed) follows <paramref name="byDefault"/>, the policy's.
    /// </summary>
    public static bool DadEnabled(IReadOnlyDictionary<string, string> options, bool byDefault = true) =>
        ParseDad(Value(options, DadOption)) ?? byDefault;

    private static bool? ParseDad(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "on" => true,
        "off" => false,
        _ => throw new UserError($"-o {DadOption}={text} is not a duplicate address detection setting: expected on " +
            $"or off (example: -o {DadOption}=off)"),
    };

    private static List<Cidr> ParseRoutes(string? text)
    {
        if (text is null) return [];
        var routes = new List<Cidr>();
        foreach (var item in SplitList(text))
        {
            if (!Cidr.TryParse(item, out var route, out _))
            {
                throw new UserError($"-o {RoutesOption}: '{item}' is not a network in CIDR form (example: -o " +
                    $"{RoutesOption}=10.0.0.0/8,172.16.0.0/12)");
            }
            routes.Add(route);
        }
        return routes;
    }
}
