using L2Vlan.Firewall;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Tests.Firewall;

/// <summary>
/// The journal's warning when a network makes a bridge that a chain of the host's own would drop, and
/// <see cref="NftablesListing"/> against a stand-in nft: missing, failing, hanging, printing garbage.
/// </summary>
public class ForwardHookWarningsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private string _directory = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Path.Combine(Path.GetTempPath(), "l2vlan-nft-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    private static RecordingLogger<ForwardHookWarnings> Check(NftablesListing listing, string bridge)
    {
        var logger = new RecordingLogger<ForwardHookWarnings>();
        new ForwardHookWarnings(logger, () => listing, () => new BridgeNetfilter(true, true)).Check(bridge);
        return logger;
    }

    [Test]
    public void A_dropping_chain_is_warned_about_with_the_bridge_the_chain_and_the_rule_that_allows_it()
    {
        var logger = Check(RecordedRuleset.Listing("established"), "vlan2000");
        var (level, message) = logger.Entries.Single();
        Assert.That(level, Is.EqualTo(LogLevel.Warning));
        Assert.That(message, Does.StartWith(
            "Bridge vlan2000: the host's nftables chain inet hostfw forward drops its traffic (its policy drop)"));
        Assert.That(message, Does.EndWith(
            "the bridge: nft insert rule inet hostfw forward iifname \"vlan2000\" oifname \"vlan2000\" accept"));
    }

    [Test]
    public void An_accepted_bridge_is_not_warned_about_and_a_host_without_nft_is_said_at_debug_level()
    {
        Assert.That(Check(RecordedRuleset.Listing("accepted"), "vlan2000").Entries, Is.Empty);
        var (level, message) = Check(new NftablesListing(null, null), "vlan2000").Entries.Single();
        Assert.That(level, Is.EqualTo(LogLevel.Debug));
        Assert.That(message, Is.EqualTo("nft is not installed: no nftables ruleset to check for bridge vlan2000"));
    }

    private string StandIn(string body)
    {
        var path = Path.Combine(_directory, "nft");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Test]
    public void The_listing_is_read_with_nft_j_and_a_failure_says_what_failed_but_nothing_nft_wrote()
    {
        var recorded = Path.Combine(_directory, "ruleset.json");
        File.WriteAllText(recorded, RecordedRuleset.Text("established"));
        var read = NftablesListing.Read(StandIn($"[ \"$*\" = \"-j list ruleset\" ] && exec cat {recorded}"), Wait);
        Assert.That(read.Ruleset!.Chains.Single().Name, Is.EqualTo("forward"));

        var failed = NftablesListing.Read(StandIn("echo 'Error: /etc/secret/nft.conf: denied' >&2; exit 1"), Wait);
        Assert.That((failed.Ruleset, failed.Error, failed.NftInstalled),
            Is.EqualTo(((NftRuleset?)null, "nft -j list ruleset failed (exit 1)", true)));

        var garbage = NftablesListing.Read(StandIn("echo 'not json /etc/secret'"), Wait);
        Assert.That(garbage.Error, Is.EqualTo("nft -j list ruleset printed something that is not nftables' JSON"));

        var hung = NftablesListing.Read(StandIn("exec sleep 60"), TimeSpan.FromSeconds(0.5));
        Assert.That(hung.Error, Is.EqualTo("nft -j list ruleset: no answer within 0.5 s, killed"));

        var missing = NftablesListing.Read(Path.Combine(_directory, "no-such-nft"), Wait);
        Assert.That((missing.Ruleset, missing.Error, missing.NftInstalled),
            Is.EqualTo(((NftRuleset?)null, (string?)null, false)));
    }
}
