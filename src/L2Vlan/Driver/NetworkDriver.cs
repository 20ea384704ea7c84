using L2Vlan.Domain;
using L2Vlan.Firewall;
using L2Vlan.Ipam;
using L2Vlan.Netlink;
using L2Vlan.Policy;
using L2Vlan.State;
using Microsoft.Extensions.Logging;

namespace L2Vlan.Driver;

/// <summary>
/// l2vlan's network driver: networks are bridges on an external VLAN, endpoints are veth pairs on them.
/// Every create is idempotent (Docker replays swarm networks with the same IDs) and every delete succeeds
/// when the thing is already gone.
/// <para>
/// Calls run concurrently. Each takes its network's lock (<see cref="NetworkRegistry.LockNetwork"/>), and the bridge
/// work its bridge's lock (<see cref="BridgeRegistry.LockBridge"/>), in that order, then the IPAM's own lock inside
/// either when it calls the IPAM. Work that may call the firewall (making or removing a bridge) runs under the
/// bridge's lock, and under a network's lock only while that network is not yet recorded (its create), so a stuck
/// iptables holds up calls on that bridge and that network only, never the IPAM or another bridge. A Join and a
/// DeleteEndpoint take their endpoint's lock first (<see cref="NetworkRegistry.LockEndpoint"/>): a Join makes the
/// veth holding only that, so the Joins of one network make their veths at the same time.
/// </para>
/// <para>
/// The IDs it is given were checked where Docker's message was read (Protocol/DockerIds), before anything was made.
/// </para>
/// </summary>
public sealed partial class NetworkDriver(
    NetworkRegistry networks,
    BridgeRegistry bridges,
    EndpointWiring wiring,
    DuplicateAddressCheck duplicates,
    DeadDockerdPolicy deadDockerd,
    IpamService ipam,
    ILinkControl links,
    VethReaper reaper,
    ILogger<NetworkDriver> logger,
    ForwardHookWarnings? firewallWarnings = null,
    CurrentPolicy? policy = null)
{
    /// <summary>The networks as recorded now; their content is safe to read only while no call runs.</summary>
    public IReadOnlyCollection<NetworkRecord> Networks => networks.All;
    public IReadOnlyCollection<BridgeRecord> Bridges => bridges.All;

    private NetworkRecord Network(string id) =>
        networks.Find(id)
            ?? throw new UserError($"l2vlan has no network {id} (was it created while l2vlan's state was lost? see " +
                $"journalctl -u l2vlan)");

    /// <summary>An ID as docker's CLI shows it: its first 12 characters.</summary>
    private static string Short(string id) => id.Length <= 12 ? id : id[..12];

    /// <summary>
    /// Whether a network created without <c>-o dad</c> probes: the policy's <c>dad</c>, on without one.
    /// </summary>
    private bool DadByDefault => policy?.Value.Dad ?? true;
}
