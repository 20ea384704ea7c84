using Microsoft.Extensions.Logging;

namespace L2Vlan.Firewall;

/// <summary>
/// When a network makes a bridge, says in the journal which of the host's own nftables chains (its nftables.conf,
/// firewalld) would drop the bridge's traffic, with the command that allows it. l2vlan does not change a firewall
/// it does not own: the warning is all it does, and the network is made all the same. Runs in the background, so a
/// slow nft never holds up Docker's call.
/// </summary>
public sealed class ForwardHookWarnings(ILogger<ForwardHookWarnings> logger)
{
    private readonly Func<NftablesListing> _read = NftablesListing.Read;
    private readonly Func<BridgeNetfilter> _netfilter = BridgeNetfilter.OfHost;

    /// <summary>Tests give the ruleset and br_netfilter's switches.</summary>
    internal ForwardHookWarnings(
        ILogger<ForwardHookWarnings> logger, Func<NftablesListing> read, Func<BridgeNetfilter> netfilter)
        : this(logger)
    {
        _read = read;
        _netfilter = netfilter;
    }

    public Task CheckInBackground(string bridge) => Task.Run(() => Check(bridge));

    public void Check(string bridge)
    {
        try
        {
            var listing = _read();
            if (!listing.NftInstalled)
            {
                logger.LogDebug("nft is not installed: no nftables ruleset to check for bridge {Bridge}", bridge);
                return;
            }
            if (listing.Ruleset is not { } ruleset)
            {
                logger.LogWarning("Could not check the host's nftables chains for bridge {Bridge}: {Error}",
                    bridge, listing.Error);
                return;
            }
            foreach (var chain in ForwardHookVerdict.DroppingChains(ruleset, bridge, _netfilter()))
            {
                logger.LogWarning(
                    "Bridge {Bridge}: the host's nftables chain {Chain} drops its traffic ({Cause}); containers " +
                    "on it cannot reach the VLAN. l2vlan leaves that firewall as it is; to allow the bridge: {Fix}",
                    bridge, chain.Spec, chain.Cause, chain.Fix(bridge));
            }
        }
        catch (Exception e)
        {
            // Only a warning is at stake: the network works as well or as badly without it.
            logger.LogWarning("Could not check the host's nftables chains for bridge {Bridge}: {Message}",
                bridge, e.Message);
        }
    }
}
