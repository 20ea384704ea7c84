using L2Vlan.Domain;

namespace L2Vlan.State;

/// <summary>
/// <c>l2vlan status --json</c>: everything the state folder holds, for scripts. Its own records rather than the
/// state files' classes, so that the names scripts read stay as they are when the files change; every field is
/// always present (null when unset) and addresses, subnets and MACs are strings as <c>ip</c> prints them.
/// <see cref="DockerAnswered"/>: Docker answered, so a network's <see cref="NetworkStatus.Name"/> is null only when
/// Docker has no network with its ID.
/// </summary>
public sealed record StatusReport(
    IReadOnlyList<BridgeStatus> Bridges,
    IReadOnlyList<NetworkStatus> Networks,
    IReadOnlyList<PoolStatus> Pools,
    IReadOnlyList<string> QuarantinedFiles,
    bool DockerAnswered)
{
    /// <summary>The report of <paramref name="view"/>, with the names of <paramref name="dockerNames"/> (null when
    /// Docker did not answer).</summary>
    public static StatusReport Of(StateView view, IReadOnlyDictionary<string, string>? dockerNames = null) => new(
        view.Bridges.Select(b => new BridgeStatus(b.Name, b.ExtIf, b.VlanId, b.VlanLink, b.Mtu, b.CreatedBridge,
            b.CreatedVlanLink, b.FirewallAccept)).ToList(),
        view.Networks.Select(n => OfNetwork(n, dockerNames?.GetValueOrDefault(n.NetworkId))).ToList(),
        view.Pools.Select(p => new PoolStatus(
            p.Id, p.Subnet.ToString(), p.Range?.ToString(), p.Gateways.Select(g => g.ToString()).ToList(), p.Holders,
                p.Allocations.Count,
            p.Allocations.Select(a => new AllocationStatus(a.Address.ToString(), a.Kind.ToString().ToLowerInvariant()))
                .ToList())).ToList(),
        view.QuarantinedFiles,
        dockerNames is not null);

    private static NetworkStatus OfNetwork(NetworkRecord n, string? name) => new(
        n.NetworkId, name, n.BridgeName, n.ExtIf, n.VlanId, n.Mtu, n.Internal,
        n.Subnets.Select(s => new SubnetStatus(s.Subnet.ToString(), s.Gateway?.ToString())).ToList(),
        n.Routes.Select(r => r.ToString()).ToList(),
        (n.AuxAddresses ?? []).Select(a => a.ToString()).ToList(),
        n.Options,
        n.Endpoints.Values.Select(e => new EndpointStatus(
            e.EndpointId, e.Address?.ToString(), e.AddressIPv6?.ToString(), MacAddresses.Format(e.MacAddress),
                e.HostVeth, e.ContainerVeth, e.Deleted)).ToList());
}

public sealed record BridgeStatus(
    string Name, string ExtIf, int VlanId, string VlanLink, int? Mtu, bool CreatedBridge, bool CreatedVlanLink,
        bool FirewallAccept);

/// <summary><see cref="Name"/>: the name Docker gives the network, null when Docker did not answer or has no such
/// network.</summary>
public sealed record NetworkStatus(
    string NetworkId, string? Name, string BridgeName, string ExtIf, int VlanId, int? Mtu, bool Internal,
    IReadOnlyList<SubnetStatus> Subnets, IReadOnlyList<string> Routes, IReadOnlyList<string> AuxAddresses,
    IReadOnlyDictionary<string, string> Options, IReadOnlyList<EndpointStatus> Endpoints);

/// <summary>A subnet and its router, with the subnet's prefix length (<c>192.168.1.1/24</c>), as Docker gives
/// it.</summary>
public sealed record SubnetStatus(string Subnet, string? Gateway);

/// <summary><see cref="Deleted"/>: Docker deleted the endpoint and has yet to release its addresses.</summary>
public sealed record EndpointStatus(
    string EndpointId, string? Address, string? AddressIPv6, string MacAddress, string? HostVeth, string? ContainerVeth,
        bool Deleted);

/// <summary><see cref="InUse"/> is the number of <see cref="Allocations"/>; the gateways are reserved apart from
/// them.</summary>
public sealed record PoolStatus(
    string Id, string Subnet, string? Range, IReadOnlyList<string> Gateways, int Holders, int InUse,
    IReadOnlyList<AllocationStatus> Allocations);

/// <summary><see cref="Kind"/>: <c>dynamic</c> (picked from the range), <c>requested</c> (a container's --ip) or
/// <c>auxiliary</c> (an --aux-address).</summary>
public sealed record AllocationStatus(string Address, string Kind);
