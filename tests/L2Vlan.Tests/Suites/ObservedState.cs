using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using L2Vlan.State;
using L2Vlan.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace L2Vlan.Tests.Suites;

/// <summary>
/// The state the service left, as the lines <see cref="ReferenceModel.Describe"/> writes: the state folder as the
/// product's loaders read it (<see cref="StateView"/>), the fake kernel's links and the fake firewall's rules.
/// </summary>
internal static class ObservedState
{
    public static IEnumerable<string> Describe(string stateDirectory, FakeLinkControl? kernel, FakeFirewall? firewall,
        bool heldBySubnet = false) =>
        Describe(StateView.Read(stateDirectory, NullLogger.Instance), kernel, firewall, heldBySubnet);

    /// <summary>
    /// The state files whose names <paramref name="mine"/> picks, read as the service's loaders read them: a client's
    /// own files, which only its own requests write, so they can be read while other clients' requests run.
    /// </summary>
    public static IEnumerable<string> DescribeFiles(string stateDirectory, Func<string, bool> mine)
    {
        List<T> Read<T>(string folder, JsonTypeInfo<T> type) =>
            !Directory.Exists(Path.Combine(stateDirectory, folder)) ? [] :
            Directory.EnumerateFiles(Path.Combine(stateDirectory, folder), "*.json")
                .Where(f => mine(Path.GetFileNameWithoutExtension(f)))
                .Select(f => JsonSerializer.Deserialize(File.ReadAllText(f), type)!).ToList();
        var view = new StateView(
            Read("networks", StateJsonContext.Default.NetworkRecord),
                Read("bridges", StateJsonContext.Default.BridgeRecord),
                    PoolStore.Peek(Path.Combine(stateDirectory, "pools"), NullLogger.Instance)
                        .Where(p => mine(AddressPool.FileKey(p.Id))).ToList(), []);
        return Describe(view, null, null, heldBySubnet: false);
    }

    private static IEnumerable<string> Describe(StateView view, FakeLinkControl? kernel, FakeFirewall? firewall,
        bool heldBySubnet)
    {
        foreach (var file in view.QuarantinedFiles) yield return $"quarantined {file}";
        foreach (var n in view.Networks)
        {
            yield return NetworkLine(n.NetworkId, n.BridgeName, n.VlanId,
                n.Subnets.Select(s => s.Gateway is null ? $"{s.Subnet}" : $"{s.Subnet} via {s.Gateway}"));
            foreach (var e in n.Endpoints.Values)
            {
                var mac = string.Join(":", e.MacAddress.GetAddressBytes().Select(b => b.ToString("x2")));
                yield return EndpointLine(n.NetworkId, e.EndpointId, e.Address?.Address.ToString(), mac, e.Deleted,
                    e.HostVeth is not null);
            }
        }
        foreach (var p in view.Pools)
            yield return PoolLine(p.Id, p.Holders, p.Gateways.Select(g => g.ToString()), heldBySubnet ? [] : Held(p));
        if (heldBySubnet)
        {
            foreach (var subnet in view.Pools.GroupBy(p => p.Subnet))
                yield return SubnetLine(subnet.Key.ToString(), subnet.SelectMany(Held));
        }
        foreach (var b in view.Bridges) yield return BridgeLine(b.Name, b.VlanLink);
        if (kernel is not null)
        {
            var links = kernel.ListLinks();
            foreach (var bridge in links.Where(l => l.Kind == "bridge"))
            {
                var ports = links.Where(l => l.MasterIndex == bridge.Index).ToList();
                var vlanLinks = ports.Where(l => l.Kind == "vlan").Select(l => l.Name).DefaultIfEmpty("none");
                yield return KernelBridgeLine(bridge.Name, string.Join("+", vlanLinks),
                    ports.Count(l => l.Kind == "veth"));
            }
            foreach (var loose in links.Where(l => l.Kind == "vlan" && l.MasterIndex is null))
                yield return $"kernel: {loose.Name} on no bridge";
            // A host end off every bridge is a leaked veth (the container ends have the host end as parent).
            foreach (var loose in links.Where(l => l.Kind == "veth" && l.MasterIndex is null && l.ParentIndex is null))
                yield return $"kernel: veth {loose.Name} on no bridge";
        }
        if (firewall is not null)
            foreach (var rule in firewall.Accepted) yield return FirewallLine(rule);
    }

    private static IEnumerable<(string Address, bool Aux)> Held(AddressPool pool) =>
        pool.Allocations.Select(a => (a.Address.ToString(), a.Kind == AllocationKind.Auxiliary));

    public static string NetworkLine(string id, string bridge, int vlan, IEnumerable<string> subnets) =>
        $"network {id}: bridge {bridge}, VLAN {vlan}, subnets {string.Join(", ", subnets)}";

    public static string EndpointLine(string network, string id, string? address, string mac, bool deleted,
        bool plugged) =>
        $"endpoint {network}/{id}: {address ?? "-"} mac " +
            $"{mac}{(deleted ? " deleted" : "")}{(plugged ? " plugged" : "")}";

    public static string PoolLine(string id, int holders, IEnumerable<string> gateways,
        IEnumerable<(string Address, bool Aux)> held) =>
        $"pool {id}: {holders} holders, gateways {string.Join(" ", gateways.Order(StringComparer.Ordinal))}, " +
        $"held {Held(held)}";

    public static string SubnetLine(string subnet, IEnumerable<(string Address, bool Aux)> held) =>
        $"subnet {subnet}: held {Held(held)}";

    /// <summary>The held addresses in order, an aux address marked as one.</summary>
    private static string Held(IEnumerable<(string Address, bool Aux)> held) =>
        string.Join(" ", held.OrderBy(h => h.Address, StringComparer.Ordinal)
            .Select(h => h.Aux ? h.Address + " (aux)" : h.Address));

    public static string BridgeLine(string name, string vlanLink) => $"bridge record {name}: {vlanLink}";

    public static string KernelBridgeLine(string name, string vlanLink, int veths) =>
        $"kernel: bridge {name} with {vlanLink} and {veths} veths";

    public static string FirewallLine(string bridge) => $"firewall: accept on {bridge}";
}
