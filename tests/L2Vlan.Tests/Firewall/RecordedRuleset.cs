using L2Vlan.Firewall;

namespace L2Vlan.Tests.Firewall;

/// <summary>
/// The output of <c>nft -j list ruleset</c> as recorded, from Firewall/Rulesets/NAME.json (indented): the small
/// rulesets with nft 1.0.6 (Debian 12) in a private network namespace; Docker's and firewalld's by the core
/// scenario in the VM (Debian 13, Docker 28.5).
/// </summary>
internal static class RecordedRuleset
{
    public static string Text(string name) => File.ReadAllText(
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Firewall", "Rulesets", $"{name}.json"));

    public static NftRuleset Parse(string name) => NftRuleset.Parse(Text(name));

    public static NftablesListing Listing(string name) => new(Parse(name), null);
}
