namespace L2Vlan.Firewall;

/// <summary>
/// A chain of the administrator's nftables ruleset, as <c>nft</c> names it: family, table, chain
/// (<c>inet filter forward</c>). Only the families whose forward hook sees bridged IP traffic under br_netfilter,
/// and plain names, which nft reads unquoted and which never need escaping.
/// </summary>
public sealed record NftablesChain(string Family, string Table, string Chain)
{
    public static readonly IReadOnlyList<string> Families = ["inet", "ip", "ip6"];

    private const int MaxNameLength = 64;

    public static NftablesChain? TryParse(string text)
    {
        var parts = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts is not [var family, var table, var chain]) return null;
        if (!Families.Contains(family) || !IsName(table) || !IsName(chain)) return null;
        return new NftablesChain(family, table, chain);
    }

    private static bool IsName(string name) =>
        name.Length is > 0 and <= MaxNameLength && (char.IsAsciiLetter(name[0]) || name[0] == '_')
            && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public override string ToString() => $"{Family} {Table} {Chain}";
}
