using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.Netlink;
using L2Vlan.Packets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Fakes;

/// <summary>What the unit tests stand in for, registered over the service's own composition
/// (<c>AddL2Vlan</c>).</summary>
internal static class FakeServices
{
    /// <summary>
    /// The kernel's links (a fake, or a private namespace's client: the veth reaper deletes where the links were
    /// made), the frames sent and probed on packet sockets, and the firewall; no nftables ruleset is read.
    /// </summary>
    public static IServiceCollection UseFakes(this IServiceCollection services, ILinkControl kernel,
        FakeLinkControl packets, IFirewall firewall)
    {
        services.AddSingleton(kernel);
        services.AddKeyedSingleton(VethReaper.LinksKey, kernel);
        services.AddSingleton<IArpAnnouncer>(packets);
        services.AddSingleton<IAddressProber>(packets);
        services.AddSingleton(firewall);
        // The host's nftables ruleset is not the fake kernel's: none is read.
        services.AddSingleton(new ForwardHookWarnings(NullLogger<ForwardHookWarnings>.Instance,
            () => new NftablesListing(null, null), () => new BridgeNetfilter(null, null)));
        return services;
    }
}
