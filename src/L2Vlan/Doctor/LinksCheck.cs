using L2Vlan.Netlink;
using L2Vlan.State;

namespace L2Vlan.Doctor;

/// <summary>
/// The links the records name exist and are enslaved where they should be: each bridge, its 802.1Q sub-interface
/// on it, each endpoint's host veth on its network's bridge. And no link named like an l2vlan veth exists
/// without a record.
/// </summary>
public static class LinksCheck
{
    public const string Name = "links";

    /// <summary>The prefix of the host end of every veth l2vlan makes (EndpointLinks).</summary>
    public const string VethPrefix = "l2v";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state) yield break;
        if (facts.LinksError is { } error)
        {
            yield return Finding.Problem(Name, $"the links could not be listed by netlink ({error})",
                "doctor cannot compare the records with the kernel", "run doctor as root: sudo l2vlan doctor");
            yield break;
        }
        var byName = facts.Links.GroupBy(l => l.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var bridge in state.Bridges)
        {
            var users = state.Networks.Where(n => n.BridgeName == bridge.Name).ToList();
            if (!byName.TryGetValue(bridge.Name, out var link) || link.Kind != "bridge")
            {
                yield return Finding.Problem(Name, link is null ? $"bridge {bridge.Name} is missing"
                    : $"{bridge.Name} is a {Kind(link)}, not a bridge",
                    $"the containers of network {Ids(users)} are cut off from the VLAN and from each other",
                    "systemctl restart l2vlan");
                continue;
            }
            if (!link.IsUp)
            {
                yield return Finding.Problem(Name, $"bridge {bridge.Name} is down",
                    "nothing is bridged while it is down", $"ip link set {bridge.Name} up");
            }
            if (!byName.ContainsKey(bridge.ExtIf))
            {
                // Said by ExtIfCheck, with its fix: the sub-interface goes with its NIC and comes back with it.
            }
            else if (!byName.TryGetValue(bridge.VlanLink, out var vlan))
            {
                yield return Finding.Problem(Name, $"sub-interface {bridge.VlanLink} of bridge {bridge.Name} is " +
                    $"missing",
                    $"the containers of network {Ids(users)} reach each other but not the VLAN",
                    "systemctl restart l2vlan");
            }
            else if (vlan.MasterIndex != link.Index)
            {
                yield return Finding.Problem(Name, $"sub-interface {bridge.VlanLink} is not a port of bridge " +
                    $"{bridge.Name}",
                    $"the containers of network {Ids(users)} reach each other but not the VLAN",
                    "systemctl restart l2vlan");
            }
            else
            {
                yield return Finding.Good(Name, $"bridge {bridge.Name} exists with {bridge.VlanLink} as its port");
            }

            // A network Docker no longer has is said once, by DockerNetworksCheck with its forget; its endpoints' veths
            // went with their containers.
            var known = users.Where(n =>
                facts.DockerNetworks is not { } docker || docker.Any(d => d.Id == n.NetworkId));
            foreach (var network in known)
            {
                foreach (var endpoint in network.Endpoints.Values.Where(e => e.HostVeth is not null && !e.Deleted))
                {
                    var veth = endpoint.HostVeth!;
                    if (!byName.TryGetValue(veth, out var port))
                    {
                        yield return Finding.Problem(Name, $"veth {veth} of endpoint {Short(endpoint.EndpointId)} " +
                            $"(network {network.NetworkId}) is missing",
                            "its container has no link to the network; Docker does not notice and keeps it running",
                            $"docker restart $(docker ps -q --filter network={network.NetworkId})");
                    }
                    else if (port.MasterIndex != link.Index)
                    {
                        yield return Finding.Problem(Name, $"veth {veth} of endpoint {Short(endpoint.EndpointId)} is " +
                            $"not a port of bridge {bridge.Name}",
                            "its container's frames never reach the bridge",
                            $"ip link set {veth} master {bridge.Name}");
                    }
                }
            }
        }

        // A deleted endpoint's veth stays recorded until the service's background delete is done (VethReaper).
        var recorded = state.Networks.SelectMany(n => n.Endpoints.Values).Select(e => e.HostVeth).OfType<string>()
            .Concat(state.Networks.SelectMany(n => n.PendingVethDeletes)).ToHashSet(StringComparer.Ordinal);
        var strays = facts.Links.Where(l =>
            l.Kind == "veth" && l.Name.StartsWith(VethPrefix, StringComparison.Ordinal) && !recorded.Contains(l.Name));
        foreach (var stray in strays)
        {
            yield return Finding.Problem(Name, $"veth {stray.Name} is named like l2vlan's but no endpoint records it",
                "l2vlan never deletes a link it has no record of; a leftover veth keeps its peer and any bridge it " +
                    "is on busy",
                $"ip link delete {stray.Name}");
        }
    }

    private static string Kind(LinkInfo link) => link.Kind.Length == 0 ? "device" : link.Kind + " link";

    private static string Ids(IEnumerable<NetworkRecord> networks) =>
        string.Join(", ", networks.Select(n => n.NetworkId));

    private static string Short(string id) => id[..Math.Min(12, id.Length)];
}
