using System.Text.Json;

namespace L2Vlan.Firewall;

/// <summary>
/// The host's nftables ruleset as <c>nft -j list ruleset</c> prints it, read-only and bounded in time. A host without
/// nft has no ruleset to read (both null); a failure says what failed, never what nft wrote to standard error, which
/// may name the administrator's files.
/// </summary>
public sealed record NftablesListing(NftRuleset? Ruleset, string? Error)
{
    public bool NftInstalled => Ruleset is not null || Error is not null;

    public static NftablesListing Read() => Read("nft", IptablesFirewall.CallTimeout);

    /// <summary>Tests pass a stand-in program and a shorter time limit.</summary>
    internal static NftablesListing Read(string tool, TimeSpan timeout)
    {
        var installed = true;
        var run = ToolRun.Of(tool, ["-j", "list", "ruleset"], timeout, _ => installed = false);
        if (!installed) return new(null, null);
        if (run.Status == ToolRun.TimedOut)
            return new(null, $"nft -j list ruleset: no answer within {timeout.TotalSeconds:0.#} s, killed");
        if (run.Status != 0) return new(null, $"nft -j list ruleset failed (exit {run.Status})");
        try
        {
            return new(NftRuleset.Parse(run.Output), null);
        }
        catch (JsonException)
        {
            return new(null, "nft -j list ruleset printed something that is not nftables' JSON");
        }
    }
}
