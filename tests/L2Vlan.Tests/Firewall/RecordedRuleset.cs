using L2Vlan.Firewall;

namespace L2Vlan.Tests.Firewall;

/// <summary>The output of <c>nft -j list ruleset</c> as recorded on a host, from Firewall/Rulesets/NAME.json.</summary>
internal static class RecordedRuleset
{
    public static string Text(string name) => File.ReadAllText(
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Firewall", "Rulesets", $"{name}.json"));

    public static NftRuleset Parse(string name) => NftRuleset.Parse(Text(name));

    public static NftablesListing Listing(string name) => new(Parse(name), null);
}
