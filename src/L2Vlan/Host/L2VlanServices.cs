using L2Vlan.Clients;
using L2Vlan.Driver;
using L2Vlan.Firewall;
using L2Vlan.Ipam;
using L2Vlan.Metrics;
using L2Vlan.Netlink;
using L2Vlan.Packets;
using L2Vlan.Policy;
using L2Vlan.Protocol;
using L2Vlan.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Host;

/// <summary>
/// The one composition of the service's objects, for every host of them: <c>l2vlan serve</c>
/// (<see cref="PluginHost"/>), the kill-point suite's host and the unit tests. Each swaps what it stands in for (the
/// kernel, the firewall) by registering its own after this; a constructor's new argument is wired here once.
/// </summary>
public static class L2VlanServices
{
    public static IServiceCollection AddL2Vlan(this IServiceCollection services, ServiceSettings settings)
    {
        services.AddLogging();
        services.AddSingleton(settings);
        services.AddSingleton(_ => new CurrentPolicy(settings.PolicyPath ?? AdminPolicy.DefaultPath));
        services.AddSingleton<PolicyLoader>();
        services.AddSingleton<INftablesRules, NftablesRules>();
        services.AddSingleton(_ => ServiceLock.Take(settings));
        services.AddSingleton<ILinkControl>(_ => new RouteNetlinkClient());
        services.AddSingleton<IArpAnnouncer>(_ => new ArpAnnouncer());
        services.AddSingleton<IAddressProber, AddressProber>();
        services.AddSingleton<IFirewall, IptablesFirewall>();
        services.AddSingleton<ForwardHookWarnings>();
        var folder = new StateFolder(settings.StateDirectory);
        services.AddSingleton(folder);
        services.AddSingleton(p => folder.PoolFiles(StateLog(p, StateFolder.PoolsFolder)));
        services.AddSingleton(p => folder.NetworkFiles(StateLog(p, StateFolder.NetworksFolder)));
        services.AddSingleton(p => folder.BridgeFiles(StateLog(p, StateFolder.BridgesFolder)));
        services.AddSingleton<NetworkRegistry>();
        services.AddSingleton<BridgeRecords>();
        services.AddSingleton<IpamService>();
        services.AddSingleton<BridgeLinks>();
        services.AddSingleton<BridgeRegistry>();
        // Its own netlink socket: a delete's grace period does not hold up the calls' link work on the shared one.
        // A stand-in kernel (tests, the kill-point host) registers itself under this key: the reaper must delete
        // where the links were made.
        services.AddKeyedSingleton<ILinkControl>(VethReaper.LinksKey, (_, _) => new RouteNetlinkClient());
        services.AddSingleton(p => new VethReaper(p.GetRequiredService<NetworkRegistry>(),
            p.GetRequiredKeyedService<ILinkControl>(VethReaper.LinksKey), p.GetRequiredService<ILogger<VethReaper>>()));
        services.AddSingleton<EndpointWiring>();
        services.AddSingleton<DuplicateAddressCheck>();
        services.AddSingleton<DeadDockerdPolicy>();
        services.AddSingleton<StateRecovery>();
        services.AddSingleton(_ => new LinkEventSocket(LinkWatcher.ReceiveWait));
        services.AddHostedService<LinkWatcher>();
        services.AddSingleton<NetworkDriver>();
        services.AddSingleton<CallMetrics>();
        services.AddSingleton<PluginDispatcher>();
        services.AddSingleton<IDockerNetworks>(_ =>
            new DockerEngineClient(settings.DockerSocket, AdminCalls.DockerWait));
        services.AddSingleton<AdminCalls>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RunningCalls>();
        services.AddSingleton(p =>
            new LivenessCheck(p.GetRequiredService<IpamService>().Responds, p.GetRequiredService<RunningCalls>()));
        // AddSystemd registers the notifier only under systemd; elsewhere the watchdog finds no $WATCHDOG_USEC anyway.
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.AddHostedService<Watchdog>();
        return services;
    }

    private static ILogger StateLog(IServiceProvider services, string folder) =>
        services.GetRequiredService<ILoggerFactory>().CreateLogger($"L2Vlan.State.{folder}");
}
