namespace L2Vlan.Doctor;

/// <summary>
/// Every network l2vlan keeps is one Docker still has. A dockerd that was killed, and whose swarm network was
/// removed before it came back, never deletes it: its veths, addresses and bridge stay until <c>l2vlan forget</c>.
/// </summary>
public static class DockerNetworksCheck
{
    public const string Name = "docker-networks";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (facts.State is not { } state || facts.DockerNetworks is not { } docker) yield break;
        var known = docker.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var gone = state.Networks.Where(n => !known.Contains(n.NetworkId)).ToList();
        foreach (var network in gone)
        {
            yield return Finding.Problem(Name, $"network {network.NetworkId} (bridge {network.BridgeName}) is kept " +
                $"by l2vlan but Docker no longer has it",
                $"its endpoints' addresses and veths ({network.Endpoints.Count}), and its bridge, stay until it is " +
                    $"forgotten; a new network cannot reuse them",
                $"l2vlan forget {network.NetworkId}");
        }

        if (gone.Count == 0)
        {
            yield return Finding.Good(Name, $"Docker has every one of the {state.Networks.Count} networks l2vlan " +
                $"keeps");
        }
    }
}
