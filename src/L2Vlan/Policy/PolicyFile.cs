using System.Text;
using L2Vlan.Firewall;

namespace L2Vlan.Policy;

/// <summary>
/// Reads <c>/etc/l2vlan/l2vlan.conf</c>: one <c>key = value</c> per line, lines starting with <c>#</c> and empty lines
/// ignored, each key at most once. The whole file is parsed before any of it is used, so a file half-way through an
/// edit is refused as a whole. An error names the line and what was expected there; it never repeats a value, as the
/// file is the administrator's and may hold anything pasted into it.
/// </summary>
public static class PolicyFile
{
    /// <summary>A settings file is a few hundred bytes; anything far larger is not one.</summary>
    public const int MaxBytes = 64 * 1024;

    private const int MaxShownKeyLength = 32;

    /// <summary>The policy of the file at <paramref name="path"/>; the defaults when there is no file.</summary>
    public static AdminPolicy Read(string path)
    {
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                if (Directory.Exists(path)) throw NotSettings(path, "is a folder");
                return AdminPolicy.Defaults;
            }
            if (info.Length > MaxBytes) throw NotSettings(path, $"is larger than {MaxBytes / 1024} KiB");
            text = File.ReadAllText(path, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            throw new PolicyFileException($"{path} cannot be read ({Reason(e)})");
        }
        return Parse(text, path);
    }

    private static PolicyFileException NotSettings(string path, string what) =>
        new($"{path} {what}; expected a settings file");

    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DecoderFallbackException => "it is not UTF-8 text",
        _ => "an input/output error",
    };

    public static AdminPolicy Parse(string text, string path)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var policy = AdminPolicy.Defaults;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var at = $"{path} line {i + 1}";
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) throw new PolicyFileException($"{at}: expected key = value (or a comment starting with #)");
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            var settings = string.Join(", ", AdminPolicy.Settings);
            if (!AdminPolicy.Settings.Contains(key))
            {
                throw new PolicyFileException($"{at}: {KeyShown(key)} is not a setting; expected one of {settings}");
            }
            if (seen.TryGetValue(key, out var first))
            {
                throw new PolicyFileException($"{at}: {key} is set again (first on line {first}); " +
                    "expected each setting once");
            }
            seen[key] = i + 1;
            policy = Apply(policy, key, value)
                ?? throw new PolicyFileException($"{at}: {key}: expected {Expected(key)}");
        }
        return policy;
    }

    /// <summary>
    /// A key that looks like one is named; anything else on the line may be text that must not be repeated.
    /// </summary>
    private static string KeyShown(string key) =>
        key.Length <= MaxShownKeyLength && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? $"'{key}'"
            : "the key";

    /// <summary>
    /// The policy with <paramref name="key"/> set to <paramref name="value"/>, or null when the value is not one.
    /// </summary>
    private static AdminPolicy? Apply(AdminPolicy policy, string key, string value) => key switch
    {
        AdminPolicy.ExtIfSetting => ParseExtIfs(value) is { } names
            ? policy with { ExtIfs = names.Count == 0 ? null : names }
            : null,
        AdminPolicy.VlansSetting => ParseVlans(value) is { } ranges
            ? policy with { Vlans = ranges.Count == 0 ? null : ranges }
            : null,
        AdminPolicy.DadSetting => value.ToLowerInvariant() switch
        {
            "on" => policy with { Dad = true },
            "off" => policy with { Dad = false },
            _ => null,
        },
        AdminPolicy.LogLevelSetting => LogLevelNames.Parse(value) is { } level
            ? policy with { LogLevel = level }
            : null,
        AdminPolicy.NftablesChainSetting => NftablesChain.TryParse(value) is { } chain
            ? policy with { NftablesChain = chain }
            : null,
        _ => null,
    };

    public static string Expected(string key) => key switch
    {
        AdminPolicy.ExtIfSetting => "any, or NIC names separated by commas (example: eno1, bond0)",
        AdminPolicy.VlansSetting =>
            "any, or VLAN IDs and ranges from 1 to 4094 separated by commas (example: 100-199, 2000)",
        AdminPolicy.DadSetting => "on or off",
        AdminPolicy.LogLevelSetting => LogLevelNames.Expected,
        AdminPolicy.NftablesChainSetting =>
            $"an nftables chain as family table chain, the family one of {string.Join(", ", NftablesChain.Families)} " +
            "(example: inet filter forward)",
        _ => "a setting",
    };

    /// <summary>The names; empty for <c>any</c>; null when a name is not one Linux takes.</summary>
    private static List<string>? ParseExtIfs(string value)
    {
        if (string.Equals(value, "any", StringComparison.OrdinalIgnoreCase)) return [];
        var names = value.Split(',', StringSplitOptions.TrimEntries);
        var valid = names.All(n => n.Length is > 0 and <= 15 && n is not ("." or "..") && n != "any"
            && n.All(c => c > ' ' && c < 127 && c is not ('/' or ':' or '%' or '#')));
        return valid ? names.Distinct(StringComparer.Ordinal).ToList() : null;
    }

    /// <summary>The ranges; empty for <c>any</c>; null when an item is not an ID or range within 1-4094.</summary>
    private static List<VlanRange>? ParseVlans(string value)
    {
        if (string.Equals(value, "any", StringComparison.OrdinalIgnoreCase)) return [];
        var ranges = new List<VlanRange>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = item.IndexOf('-');
            var from = Vlan(dash < 0 ? item : item[..dash]);
            var to = dash < 0 ? from : Vlan(item[(dash + 1)..]);
            if (from is null || to is null || to < from) return null;
            ranges.Add(new VlanRange(from.Value, to.Value));
        }
        return ranges;
    }

    private static int? Vlan(string text) =>
        int.TryParse(text.Trim(), System.Globalization.NumberStyles.None, null, out var id) && id is >= 1 and <= 4094
            ? id
            : null;
}
