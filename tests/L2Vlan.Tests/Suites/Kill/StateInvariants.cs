using System.Net;
using L2Vlan.Netlink;
using L2Vlan.State;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites.Kill;

/// <summary>
/// What must hold once a restarted service has recovered, read through the product's own loaders: every state
/// file parses (nothing went to quarantine); every l2vlan-looking link (a bridge, an ext0.&lt;vid&gt; sub-interface,
/// an l2v/l2c veth) and every firewall rule has a record; every bridge a network uses is there, with its
/// sub-interface on it and its rule in place; every address a pool hands out belongs to an endpoint, an aux address,
/// or is one Docker was given and has not released yet (between RequestAddress and CreateEndpoint).
/// </summary>
internal static class StateInvariants
{
    public static List<string> Problems(string stateDirectory, ILinkControl links, StandInFirewall firewall,
        IEnumerable<IPAddress> dockerHolds)
    {
        var problems = new List<string>();
        var state = StateView.Read(stateDirectory, NullLogger.Instance);
        problems.AddRange(state.QuarantinedFiles.Select(f => $"state file moved to quarantine: {f}"));
        var loadedPerFolder = new[]
        {
            ("networks", state.Networks.Count), ("bridges", state.Bridges.Count), ("pools", state.Pools.Count),
        };
        foreach (var (folder, loaded) in loadedPerFolder)
        {
            var files = RecordFiles(Path.Combine(stateDirectory, folder)).Count;
            if (files != loaded) problems.Add($"{folder}: {files} files, but only {loaded} load");
        }

        var all = links.ListLinks();
        var byIndex = all.ToDictionary(l => l.Index);
        var endpoints = state.Networks.SelectMany(n => n.Endpoints.Values.Select(e => (Network: n, Endpoint: e)))
            .ToList();
        foreach (var link in all)
        {
            if (link.Kind == "bridge" && !state.Bridges.Any(b => b.Name == link.Name && b.CreatedBridge))
                problems.Add($"bridge {link.Name} has no record");
            if (link.Name.StartsWith("ext0.", StringComparison.Ordinal)
                && !state.Bridges.Any(b => b.VlanLink == link.Name && b.CreatedVlanLink))
            {
                problems.Add($"sub-interface {link.Name} has no record");
            }
            var veth = link.Name.StartsWith("l2v", StringComparison.Ordinal)
                || link.Name.StartsWith("l2c", StringComparison.Ordinal);
            if (veth && !endpoints.Any(e => e.Endpoint.HostVeth == link.Name || e.Endpoint.ContainerVeth == link.Name))
                problems.Add($"veth {link.Name} has no endpoint record");
        }

        var rules = firewall.Rules();
        foreach (var (tool, bridge) in rules)
        {
            if (!state.Bridges.Any(b => b.Name == bridge && b.FirewallAccept))
                problems.Add($"{tool} rule for {bridge} has no record");
        }

        foreach (var bridge in state.Bridges)
        {
            if (!state.Networks.Any(n => n.BridgeName == bridge.Name))
            {
                problems.Add($"bridge record {bridge.Name} is used by no network, and start-up kept it");
                continue;
            }
            var made = all.FirstOrDefault(l => l.Name == bridge.Name);
            var vlan = all.FirstOrDefault(l => l.Name == bridge.VlanLink);
            if (made is null || vlan is null)
                problems.Add($"bridge {bridge.Name} or {bridge.VlanLink} is missing after start-up");
            else if (vlan.MasterIndex != made.Index)
                problems.Add($"{bridge.VlanLink} is not on {bridge.Name} after start-up");
            if (!bridge.FirewallAccept || !rules.Contains((StandInFirewall.Tools[0], bridge.Name)))
                problems.Add($"bridge {bridge.Name} has no accept rule after start-up");
        }
        foreach (var (network, endpoint) in endpoints)
        {
            if (endpoint.HostVeth is not { } veth || all.FirstOrDefault(l => l.Name == veth) is not { } link) continue;
            var bridge = all.FirstOrDefault(l => l.Name == network.BridgeName);
            if (bridge is null || link.MasterIndex != bridge.Index)
            {
                var on = link.MasterIndex is { } m && byIndex.TryGetValue(m, out var master) ? master.Name : "nothing";
                problems.Add($"veth {veth} of endpoint {endpoint.EndpointId[..12]} is not on {network.BridgeName} " +
                    $"(it is on {on})");
            }
        }

        var owned = endpoints.SelectMany(e => e.Endpoint.HeldAddresses())
            .Concat(state.Networks.SelectMany(n => n.AuxAddresses ?? []))
            .Concat(dockerHolds).ToHashSet();
        var unowned = state.Pools
            .SelectMany(p => p.Allocations.Where(a => !owned.Contains(a.Address)).Select(a => (p, a)));
        foreach (var (pool, allocation) in unowned)
        {
            problems.Add($"pool {pool.Id} holds {allocation.Address} ({allocation.Kind}), which no endpoint, aux " +
                $"address or Docker holds");
        }
        return problems;
    }

    /// <summary>The record files of a state folder, as the loader sees them (not its hidden temporary files).</summary>
    public static List<string> RecordFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.json").Where(f => !Path.GetFileName(f).StartsWith('.')).ToList()
            : [];

    /// <summary>Files that are neither records nor quarantine: temporary files a killed write left behind.</summary>
    public static List<string> LeftoverFiles(string stateDirectory) =>
        Directory.Exists(stateDirectory)
            ? Directory.EnumerateFiles(stateDirectory, "*", SearchOption.AllDirectories)
                .Where(f => Path.GetFileName(f).StartsWith('.')
                    && !f.Contains("/quarantine/", StringComparison.Ordinal))
                .ToList()
            : [];
}
