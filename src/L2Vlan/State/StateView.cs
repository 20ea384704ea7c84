using System.Text;
using L2Vlan.Domain;
using Microsoft.Extensions.Logging;

namespace L2Vlan.State;

/// <summary>A read-only look at the state folder, as <c>l2vlan status</c> prints it.</summary>
public sealed record StateView(
    IReadOnlyList<NetworkRecord> Networks,
    IReadOnlyList<BridgeRecord> Bridges,
    IReadOnlyList<AddressPool> Pools,
    IReadOnlyList<string> QuarantinedFiles)
{
    public static StateView Read(string stateDirectory, ILogger logger)
    {
        var folder = new StateFolder(stateDirectory);
        var networks = folder.NetworkFiles(logger);
        var bridges = folder.BridgeFiles(logger);
        var pools = folder.PoolFiles(logger);
        var quarantined = new[] { networks.QuarantineDirectory, bridges.QuarantineDirectory, pools.QuarantineDirectory }
            .Where(Directory.Exists).SelectMany(Directory.EnumerateFiles).Order().ToList();
        return new StateView(
            ReadOnly(networks), ReadOnly(bridges), PoolStore.Peek(pools.Directory, logger), quarantined);
    }

    // Reading must not move files: status is run by people while the service owns the folder.
    private static List<T> ReadOnly<T>(JsonFileCollection<T> collection) where T : class, IStateRecord =>
        Directory.Exists(collection.Directory) ? collection.Peek().Select(x => x.Value).ToList() : [];

    /// <summary>The state as text; with <paramref name="dockerNames"/> (Docker answered), each network's name beside
    /// its ID.</summary>
    public string Describe(IReadOnlyDictionary<string, string>? dockerNames = null)
    {
        var text = new StringBuilder();
        text.AppendLine($"bridges: {Bridges.Count}");
        foreach (var b in Bridges)
        {
            text.AppendLine($"  {b.Name}: {b.VlanLink} (VLAN {b.VlanId} of " +
                $"{b.ExtIf}){(b.Mtu is { } m ? $", mtu {m}" : "")}; made by l2vlan: {Made(b)}");
        }
        text.AppendLine($"networks: {Networks.Count}");
        foreach (var n in Networks)
        {
            var subnets = string.Join(", ",
                n.Subnets.Select(s => s.Gateway is null ? s.Subnet.ToString() : $"{s.Subnet} via {s.Gateway}"));
            text.AppendLine($"  {n.NetworkId}{Named(n.NetworkId, dockerNames)}: bridge {n.BridgeName}, " +
                $"subnets {subnets}{(n.Internal ? ", internal" : "")}");
            foreach (var e in n.Endpoints.Values)
                text.AppendLine(EndpointLine(e));
        }
        text.AppendLine($"address pools: {Pools.Count}");
        foreach (var p in Pools)
        {
            text.AppendLine($"  {p.Id}: gateway {(p.Gateway is null ? "-" : string.Join(", ", p.Gateways))}, held by " +
                $"{p.Holders} {(p.Holders == 1 ? "request" : "requests")}");
            text.AppendLine($"    in use: {p.Allocations.Count}{Ranges(p.Allocations)}");
            var aux = p.Allocations.Where(a => a.Kind == AllocationKind.Auxiliary).ToList();
            if (aux.Count > 0) text.AppendLine($"    of which aux addresses: {aux.Count}{Ranges(aux)}");
        }
        if (QuarantinedFiles.Count > 0)
        {
            text.AppendLine($"quarantined state files (unreadable; not served): {QuarantinedFiles.Count}");
            foreach (var f in QuarantinedFiles) text.AppendLine($"  {f}");
        }
        return text.ToString();
    }

    /// <summary>
    /// The addresses as ranges, at most <see cref="MaxRanges"/> of them: a pool whose addresses are scattered
    /// must not make a line of kilobytes either, and <c>--json</c> lists every address.
    /// </summary>
    private static string Ranges(IEnumerable<Allocation> allocations)
    {
        var ranges = AddressRanges.Collapse(allocations.Select(a => a.Address));
        if (ranges.Count == 0) return "";
        var shown = string.Join(", ", ranges.Take(MaxRanges));
        return ranges.Count <= MaxRanges ? $": {shown}" : $": {shown} and {ranges.Count - MaxRanges} more ranges " +
            $"(--json lists them all)";
    }

    private const int MaxRanges = 20;

    private static string Named(string networkId, IReadOnlyDictionary<string, string>? dockerNames) =>
        dockerNames is null ? ""
        : dockerNames.TryGetValue(networkId, out var name) ? $" ({name})"
        : " (Docker has no network with this ID; see l2vlan doctor)";

    private static string EndpointLine(EndpointRecord e)
    {
        var addresses = string.Join(" ", new[] { e.Address, e.AddressIPv6 }.Where(a => a is not null));
        var veth = e.HostVeth is null ? "" : $" veth {e.HostVeth}";
        var deleted = e.Deleted ? " (deleted, address not yet released by Docker)" : "";
        return $"    endpoint {e.EndpointId[..Math.Min(12, e.EndpointId.Length)]}: {addresses} " +
            $"mac {MacAddresses.Format(e.MacAddress)}{veth}{deleted}";
    }

    private static string Made(BridgeRecord b)
    {
        var made = new List<string>();
        if (b.CreatedBridge) made.Add("bridge");
        if (b.CreatedVlanLink) made.Add("sub-interface");
        if (b.FirewallAccept) made.Add("firewall rule");
        return made.Count == 0 ? "nothing" : string.Join(", ", made);
    }
}
