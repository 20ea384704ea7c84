using L2Vlan.Adapter;

namespace L2Vlan.Doctor;

/// <summary>Docker answers on its socket, and has this l2vlan's swarm adapter installed and enabled.</summary>
public static class DockerCheck
{
    public const string Name = "docker";
    public const string AdapterName = "swarm-adapter";

    public static IEnumerable<Finding> Run(DoctorFacts facts)
    {
        if (!facts.DockerAnswers)
        {
            yield return Finding.Problem(Name, $"Docker does not answer on {facts.DockerSocket} " +
                $"({facts.DockerError ?? "no answer"})",
                "nothing runs, and doctor cannot check the swarm adapter or which networks Docker still has",
                "systemctl start docker");
            yield break;
        }
        yield return Finding.Good(Name, $"Docker answers on {facts.DockerSocket}");

        const string plugin = AdapterSettings.PluginReference;
        if (facts.Adapter is not { } adapter)
        {
            yield return Finding.Problem(AdapterName, $"the swarm adapter {plugin} is not installed",
                $"swarm networks (docker network create -d {plugin} --scope swarm) cannot be created or run tasks on " +
                    $"this host",
                "l2vlan adapter install");
        }
        else if (facts.AdapterDigest is { } digest && PluginBundle.DigestIn(adapter.Description) != digest)
        {
            yield return Finding.Problem(AdapterName, $"the swarm adapter {plugin} is another l2vlan's (content " +
                $"{PluginBundle.DigestIn(adapter.Description) ?? "unknown"}, this one's is {digest})",
                "an adapter of another version may relay to a socket or in a way this service does not expect",
                "l2vlan adapter install");
        }
        else if (!adapter.Enabled)
        {
            yield return Finding.Problem(AdapterName, $"the swarm adapter {plugin} is installed but disabled",
                "Docker cannot reach l2vlan for swarm networks: their tasks fail on this host",
                $"docker plugin enable {plugin}");
        }
        else
        {
            yield return Finding.Good(AdapterName, $"the swarm adapter {plugin} is installed, enabled and this " +
                $"l2vlan's");
        }
    }
}
