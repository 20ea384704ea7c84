using L2Vlan.Driver;
using L2Vlan.Host;
using L2Vlan.Netlink;
using L2Vlan.Tests.KillHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// l2vlan serve's service, built by the same PluginHost, in the network namespace it is started in: only the
// 802.1Q sub-interfaces are stood in for, since the kernels the unit tests run on have no 8021q module.
// Arguments: <socket> <state directory>.
var settings = new ServiceSettings(args[0], args[1], LogLevel.Warning);
await using var app = PluginHost.Build(settings, services =>
{
    services.AddSingleton<ILinkControl>(_ => new StandInVlanLinks(new RouteNetlinkClient()));
    services.AddKeyedSingleton<ILinkControl>(VethReaper.LinksKey, (p, _) => p.GetRequiredService<ILinkControl>());
});
await PluginHost.RunAsync(app);
